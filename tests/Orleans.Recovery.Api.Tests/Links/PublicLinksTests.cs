using System.Net;
using System.Text.RegularExpressions;
using MimeKit;

namespace Orleans.Recovery.Api.Tests.Links;

/// <summary>The whole path a shopper takes: a cart over HTTP, the email over SMTP, the links in it.</summary>
public sealed partial class PublicLinksTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private readonly HttpClient _storefront = fixture.Api.Storefront();
    private readonly HttpClient _operator = fixture.Api.Operator();
    private readonly HttpClient _browser = fixture.Api.Anonymous();

    [Fact]
    public async Task TheRecoveryLinkRecordsTheClickAndRedirectsToTheRestoreUrl()
    {
        var (cartId, mail) = await AbandonCartAsync();
        var link = new Uri(RecoveryLink().Match(mail.TextBody!).Value);

        var response = await _browser.GetAsync(link.PathAndQuery);

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Equal($"https://shop.test/cart/{cartId}/restore", response.Headers.Location?.ToString());
        var click = Assert.Single((await _operator.CartViewAsync(cartId))!.Value.GetProperty("clicks").EnumerateArray());
        Assert.Equal($"{cartId}/cart-abandonment/1", click.GetProperty("messageId").GetString());
    }

    [Fact]
    public async Task ATamperedLinkGetsAPlain404()
    {
        var (_, mail) = await AbandonCartAsync();
        var path = new Uri(RecoveryLink().Match(mail.TextBody!).Value).PathAndQuery;
        var tampered = path[..^2] + (path[^2] == 'A' ? "BA" : "AA");

        foreach (var url in new[] { tampered, "/r/nonsense", "/u/nonsense", "/r/" + new string('a', 50) + "." + new string('b', 22) })
        {
            var response = await _browser.GetAsync(url);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains("This link does not work any more", await response.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task OneClickUnsubscribeStopsTheNextRecoveryEmail()
    {
        var (cartId, mail) = await AbandonCartAsync();
        var unsubscribe = new Uri(mail.Headers["List-Unsubscribe"]!.Trim('<', '>')).PathAndQuery;

        var page = await _browser.GetAsync(unsubscribe);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("<form method=\"post\">", await page.Content.ReadAsStringAsync());

        // RFC 8058: the mail client POSTs this exact body.
        var oneClick = await _browser.PostAsync(unsubscribe, new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]));
        Assert.Equal(HttpStatusCode.OK, oneClick.StatusCode);
        Assert.Contains("You are unsubscribed", await (await _browser.GetAsync(unsubscribe)).Content.ReadAsStringAsync());

        await fixture.Api.AdvanceUntilAsync(TimeSpan.FromHours(23), async () =>
            (await _operator.CartViewAsync(cartId))!.Value.GetProperty("messages").GetArrayLength() == 2, "step 2 to be decided");
        var second = (await _operator.CartViewAsync(cartId))!.Value.GetProperty("messages")[1];
        Assert.Equal(("skipped", "unsubscribed"), (second.GetProperty("status").GetString(), second.GetProperty("reason").GetString()));
        Assert.Single(fixture.Smtp.To(mail.To.Mailboxes.Single().Address));
    }

    private async Task<(string CartId, MimeMessage Mail)> AbandonCartAsync()
    {
        var cartId = Bodies.NewId("cart");
        var email = Bodies.NewEmail();
        await _storefront.PutCartAsync(cartId, Bodies.Cart(cartId, email));
        await fixture.Api.AdvanceUntilAsync(TimeSpan.FromHours(1), () => Task.FromResult(fixture.Smtp.To(email).Any()), $"mail to {email}");
        return (cartId, fixture.Smtp.To(email).Single());
    }

    [GeneratedRegex(@"https://recovery\.shop\.test/r/[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+")]
    private static partial Regex RecoveryLink();
}
