using System.Net;
using System.Text.RegularExpressions;

namespace Orleans.Recovery.Api.Tests.Links;

/// <summary>
/// Links are issued and read on the one business clock. Read on the system clock, a link issued at a test's fake date
/// stayed valid for sixty days of real time, and the link tests would have started failing on a date in January.
/// </summary>
[Trait("Category", "Api")]
public sealed partial class LinkClockTests(SmtpFixture smtpFixture) : IClassFixture<SmtpFixture>
{
    [Fact]
    public async Task ALinkInAnEmailWorksUntilItsLifetimeHasPassedOnTheEnginesClockAndNotAfter()
    {
        await using var api = new RecoveryApiFactory(smtpFixture.Smtp);
        var cartId = Bodies.NewId("cart");
        var email = Bodies.NewEmail();
        Assert.Equal(HttpStatusCode.NoContent, (await api.Storefront().PutCartAsync(cartId, Bodies.Cart(cartId, email))).StatusCode);
        await api.AdvanceUntilAsync(TimeSpan.FromHours(1), () => Task.FromResult(smtpFixture.Smtp.To(email).Any()), $"mail to {email}");
        var link = new Uri(UnsubscribeLink().Match(smtpFixture.Smtp.To(email).Single().TextBody!).Value).PathAndQuery;
        var browser = api.Anonymous();

        api.Clock.Advance(TimeSpan.FromDays(59));
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync(link)).StatusCode);

        api.Clock.Advance(TimeSpan.FromDays(1) + TimeSpan.FromHours(1));
        var expired = await browser.GetAsync(link);
        Assert.Equal(HttpStatusCode.NotFound, expired.StatusCode);
        Assert.Contains("This link does not work any more", await expired.Content.ReadAsStringAsync());
    }

    [GeneratedRegex(@"https://recovery\.shop\.test/u/[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+")]
    private static partial Regex UnsubscribeLink();
}
