using System.Net;
using System.Text.RegularExpressions;

namespace Orleans.Recovery.Api.Tests.Links;

/// <summary>
/// The restore link over Kestrel, which refuses non-ASCII in a Location header where the in-memory test server
/// lets it pass: a storefront's internationalised URL must still redirect.
/// </summary>
[Trait("Category", "Api")]
public sealed partial class RestoreLinkTests(SmtpFixture smtpFixture) : IClassFixture<SmtpFixture>
{
    private readonly SmtpSink _smtp = smtpFixture.Smtp;

    [Fact]
    public async Task AnInternationalisedRestoreUrlIsKeptAsAnAsciiUrlAndTheLinkRedirectsToIt()
    {
        await using var api = new RecoveryApiFactory(_smtp, realServer: true);
        var cartId = Bodies.NewId("cart");
        var email = Bodies.NewEmail();
        var cart = Bodies.Cart(cartId, email);
        cart["restoreUrl"] = "https://bücher.example/warenkorb/größe?ü=1&q=a b#oben";
        cart["items"]![0]!["productUrl"] = "https://bücher.example/p/kaffeebohnen-süß";
        const string expected = "https://xn--bcher-kva.example/warenkorb/gr%C3%B6%C3%9Fe?%C3%BC=1&q=a%20b#oben";

        Assert.Equal(HttpStatusCode.NoContent, (await api.Storefront().PutCartAsync(cartId, cart)).StatusCode);
        var view = (await api.Operator().CartViewAsync(cartId))!.Value;
        Assert.Equal(expected, view.GetProperty("snapshot").GetProperty("restoreUrl").GetString());
        Assert.Equal("https://xn--bcher-kva.example/p/kaffeebohnen-s%C3%BC%C3%9F", view.GetProperty("snapshot").GetProperty("items")[0].GetProperty("productUrl").GetString());

        await api.AdvanceUntilAsync(TimeSpan.FromHours(1), () => Task.FromResult(_smtp.To(email).Any()), $"mail to {email}");
        var link = new Uri(RecoveryLink().Match(_smtp.To(email).Single().TextBody!).Value);
        var redirect = await api.Anonymous().GetAsync(link.PathAndQuery);

        Assert.Equal(HttpStatusCode.Found, redirect.StatusCode);
        Assert.Equal(expected, redirect.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task ALinkSentToOneShopperDoesNotOpenTheCartOnceItsIdIsAnothersAndRecordsNoClick()
    {
        await using var api = new RecoveryApiFactory(_smtp, settings: new Dictionary<string, string?> { ["Recovery:Links:FallbackUrl"] = "https://kaffee.example/" });
        var cartId = Bodies.NewId("cart");
        var (ana, bob) = (Bodies.NewEmail(), Bodies.NewEmail());
        await api.Storefront().PutCartAsync(cartId, Bodies.Cart(cartId, ana));
        await api.AdvanceUntilAsync(TimeSpan.FromHours(1), () => Task.FromResult(_smtp.To(ana).Any()), "Ana's reminder");
        var anasLink = new Uri(RecoveryLink().Match(_smtp.To(ana).Single().TextBody!).Value).PathAndQuery;

        // The storefront reuses the id for Bob's cart, with his own restore URL.
        var bobsCart = Bodies.Cart(cartId, bob);
        bobsCart["restoreUrl"] = "https://shop.test/cart/bobs-private-cart";
        await api.Storefront().PutCartAsync(cartId, bobsCart);

        var redirect = await api.Anonymous().GetAsync(anasLink);
        Assert.Equal(HttpStatusCode.Found, redirect.StatusCode);
        Assert.Equal("https://kaffee.example/", redirect.Headers.Location?.OriginalString);
        Assert.Equal(0, (await api.Operator().CartViewAsync(cartId))!.Value.GetProperty("clicks").GetArrayLength());

        // Bob's own reminder (the cart's next step, a day after his cart) opens his cart, and counts his click. The clock
        // moves to its due time and on, as a real one would: a jump of two days would make it a day late, on the edge of
        // the 24 hours after which a recovery email is skipped as expired.
        await api.AdvanceUntilAsync(TimeSpan.FromHours(24), () => Task.FromResult(_smtp.To(bob).Any()), "Bob's reminder");
        var bobsLink = new Uri(RecoveryLink().Match(_smtp.To(bob).Single().TextBody!).Value).PathAndQuery;
        var his = await api.Anonymous().GetAsync(bobsLink);
        Assert.Equal("https://shop.test/cart/bobs-private-cart", his.Headers.Location?.OriginalString);
        Assert.Equal(1, (await api.Operator().CartViewAsync(cartId))!.Value.GetProperty("clicks").GetArrayLength());
    }

    [Theory]
    [InlineData("ftp://shop.example/cart")]
    [InlineData("https://user:secret@shop.example/cart")]
    [InlineData("/cart/1")]
    public async Task ARestoreUrlThatIsNotAPlainWebAddressIsRefusedNamingTheField(string restoreUrl)
    {
        await using var api = new RecoveryApiFactory(_smtp);
        var cartId = Bodies.NewId("cart");
        var cart = Bodies.Cart(cartId, Bodies.NewEmail());
        cart["restoreUrl"] = restoreUrl;

        var response = await api.Storefront().PutCartAsync(cartId, cart);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.ReadJsonAsync()).GetProperty("errors").TryGetProperty("restoreUrl", out _));
        Assert.Null(await api.Operator().CartViewAsync(cartId));
    }

    [GeneratedRegex(@"https://recovery\.shop\.test/r/[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+")]
    private static partial Regex RecoveryLink();
}
