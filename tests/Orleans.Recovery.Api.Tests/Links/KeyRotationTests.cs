using System.Net;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Orleans.Recovery.Api.Tests.Links;

/// <summary>
/// Rotating the link-signing key (issue 26, item 6): the unsubscribe link in a mail sent under the old key still works
/// once the old key is a previous key, and new links are signed with the new key only.
/// </summary>
[Trait("Category", "Api")]
public sealed partial class KeyRotationTests(SmtpFixture smtpFixture) : IClassFixture<SmtpFixture>
{
    private static string NewKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private async Task<string> UnsubscribeLinkAsync(RecoveryApiFactory api)
    {
        var cartId = Bodies.NewId("cart");
        var email = Bodies.NewEmail();
        Assert.Equal(HttpStatusCode.NoContent, (await api.Storefront().PutCartAsync(cartId, Bodies.Cart(cartId, email))).StatusCode);
        await api.AdvanceUntilAsync(TimeSpan.FromHours(1), () => Task.FromResult(smtpFixture.Smtp.To(email).Any()), $"mail to {email}");
        return new Uri(UnsubscribeLink().Match(smtpFixture.Smtp.To(email).Single().TextBody!).Value).PathAndQuery;
    }

    [Fact]
    public async Task ALinkSentUnderTheOldKeyWorksOnceItIsAPreviousKeyAndNewLinksUseTheNewKeyOnly()
    {
        var (old, current) = (NewKey(), NewKey());
        string sentBefore;
        await using (var before = new RecoveryApiFactory(smtpFixture.Smtp, settings: new Dictionary<string, string?> { ["Recovery:Links:SigningKey"] = old }))
        {
            sentBefore = await UnsubscribeLinkAsync(before);
        }

        // The new key alone: every link already sent is dead. This is what rotating meant before previous keys.
        await using (var withoutPrevious = new RecoveryApiFactory(smtpFixture.Smtp, settings: new Dictionary<string, string?> { ["Recovery:Links:SigningKey"] = current }))
        {
            Assert.Equal(HttpStatusCode.NotFound, (await withoutPrevious.Anonymous().GetAsync(sentBefore)).StatusCode);
        }

        string sentAfter;
        await using (var rotated = new RecoveryApiFactory(smtpFixture.Smtp, settings: new Dictionary<string, string?>
        {
            ["Recovery:Links:SigningKey"] = current,
            ["Recovery:Links:PreviousSigningKeys:0"] = old,
        }))
        {
            var page = await rotated.Anonymous().GetAsync(sentBefore);
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Contains("<form method=\"post\">", await page.Content.ReadAsStringAsync());
            sentAfter = await UnsubscribeLinkAsync(rotated);
        }

        // A link issued after the rotation is the new key's: the old key does not open it.
        await using var oldOnly = new RecoveryApiFactory(smtpFixture.Smtp, settings: new Dictionary<string, string?> { ["Recovery:Links:SigningKey"] = old });
        Assert.Equal(HttpStatusCode.NotFound, (await oldOnly.Anonymous().GetAsync(sentAfter)).StatusCode);
    }

    [GeneratedRegex(@"https://recovery\.shop\.test/u/[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+")]
    private static partial Regex UnsubscribeLink();
}
