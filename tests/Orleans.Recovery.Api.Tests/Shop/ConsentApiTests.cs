using System.Net;
using System.Text.Json.Nodes;

namespace Orleans.Recovery.Api.Tests.Shop;

/// <summary>
/// <c>Recovery:Consent:Mode=Required</c> over HTTP: a shopper reported without consent gets no cart reminder, logged and
/// counted as no-consent; one reported with <c>customer.marketingConsent</c> gets theirs, and the consent is proof in the
/// customer's export. Transactional mail goes regardless.
/// </summary>
[Trait("Category", "Api")]
public sealed class ConsentApiTests(ShopFixture shop) : IClassFixture<ShopFixture>
{
    private readonly HttpClient _storefront = shop.Api.Storefront();
    private readonly HttpClient _operator = shop.Api.Operator();

    [Fact]
    public async Task AShopperWithoutConsentGetsNoCartReminderAndTheStatsCountItAsNoConsent()
    {
        var silent = Bodies.NewId("cart");
        var silentEmail = Bodies.NewEmail();
        var consented = Bodies.NewId("cart");
        var consentedEmail = Bodies.NewEmail();
        await _storefront.PutCartAsync(silent, Bodies.Cart(silent, silentEmail, "de-DE"));
        var body = Bodies.Cart(consented, consentedEmail, "de-DE");
        body["customer"]!["marketingConsent"] = true;
        body["customer"]!["consentText"] = "Ja, ich möchte Angebote per E-Mail erhalten.";
        Assert.Equal(HttpStatusCode.NoContent, (await _storefront.PutCartAsync(consented, body)).StatusCode);

        await shop.Api.AdvanceUntilAsync(TimeSpan.FromHours(1), () => Task.FromResult(shop.Smtp.To(consentedEmail).Any()), "the reminder to the shopper who consented");
        await Eventually.TrueAsync(async () => (await _operator.CartViewAsync(silent))!.Value.GetProperty("messages").GetArrayLength() > 0, what: "the silent cart's step decided");
        var skipped = (await _operator.CartViewAsync(silent))!.Value.GetProperty("messages")[0];
        Assert.Equal(("skipped", "no-consent"), (skipped.GetProperty("status").GetString(), skipped.GetProperty("reason").GetString()));
        Assert.Empty(shop.Smtp.To(silentEmail));

        await Eventually.TrueAsync(async () =>
        {
            var flow = (await (await _operator.GetAsync("/api/v1/stats?flow=cart-abandonment")).ReadJsonAsync()).GetProperty("flows")[0];
            return flow.GetProperty("skipped").TryGetProperty("no-consent", out var count) && count.GetInt32() >= 1;
        }, what: "no-consent counted in the stats");

        var export = await (await _operator.PostAsync("/api/v1/customers/export", Bodies.Json(new JsonObject { ["email"] = consentedEmail }))).ReadJsonAsync();
        var proof = export.GetProperty("consent").GetProperty("consents")[0];
        Assert.Equal(("api", "Ja, ich möchte Angebote per E-Mail erhalten."), (proof.GetProperty("source").GetString(), proof.GetProperty("text").GetString()));
    }

    [Fact]
    public async Task AnOrderConfirmationGoesWithoutConsent()
    {
        var email = Bodies.NewEmail();
        var orderId = Bodies.NewId("order");
        Assert.Equal(HttpStatusCode.Created, (await _storefront.PostAsync("/api/v1/orders", Bodies.Json(Bodies.Order(orderId, null, email)))).StatusCode);

        var confirmation = (await shop.Smtp.WaitForAsync(email))[0];
        Assert.Contains(orderId, confirmation.Subject);
    }
}
