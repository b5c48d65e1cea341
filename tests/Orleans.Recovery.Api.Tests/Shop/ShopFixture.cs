using System.Net;
using Microsoft.AspNetCore.Http;

namespace Orleans.Recovery.Api.Tests.Shop;

/// <summary>
/// The engine as a German shop runs it: marketing mail only with consent, the capture script on, and the Shopify,
/// WooCommerce and Stripe connectors configured. Kestrel on a real port; the shop's checkout page on another origin
/// (allowed), and a page on a third origin that is not the shop's.
/// </summary>
public sealed class ShopFixture : IAsyncLifetime
{
    public const string PublishableKey = "pk-test-capture-0123456789";
    public const string ShopifySecret = "shopify-test-secret-0123456789";
    public const string WooCommerceSecret = "woocommerce-test-secret-0123456789";
    public const string StripeSecret = "whsec_test_0123456789abcdef";

    public SmtpSink Smtp { get; private set; } = null!;

    public RecoveryApiFactory Api { get; private set; } = null!;

    /// <summary>The shop's own checkout pages: their origin is allowed to capture.</summary>
    public ShopPages Checkout { get; private set; } = null!;

    /// <summary>Pages on an origin that is not the shop's.</summary>
    public ShopPages Elsewhere { get; private set; } = null!;

    /// <summary>The engine's address as the shop's pages name it.</summary>
    public Uri Engine => Api.Anonymous().BaseAddress!;

    public async Task InitializeAsync()
    {
        Smtp = await SmtpSink.StartAsync();
        Checkout = await ShopPages.StartAsync(cart => Page(cart));
        Elsewhere = await ShopPages.StartAsync(cart => Page(cart));
        Api = new RecoveryApiFactory(Smtp, settings: new Dictionary<string, string?>
        {
            ["Recovery:Consent:Mode"] = "Required",
            ["Recovery:Capture:PublishableKey"] = PublishableKey,
            ["Recovery:Capture:AllowedOrigins:0"] = Checkout.Origin,
            ["Recovery:Capture:PerClientPerMinute"] = "200",
            ["Recovery:Connectors:Shopify:Secret"] = ShopifySecret,
            ["Recovery:Connectors:WooCommerce:Secret"] = WooCommerceSecret,
            ["Recovery:Connectors:Stripe:Secret"] = StripeSecret,
        }, realServer: true);
        _ = Api.Anonymous();
    }

    /// <summary>
    /// A checkout page at step 1 as a shop would write it: email, first name and the consent box with its wording,
    /// and the capture script from the engine with the publishable key and the cart's id.
    /// </summary>
    public string Page(string cartId) => $$"""
        <!doctype html>
        <html lang="de">
        <head><meta charset="utf-8"><title>Kasse</title></head>
        <body>
          <form>
            <label for="email">E-Mail</label> <input id="email" name="email" type="email" autocomplete="email">
            <label for="first">Vorname</label> <input id="first" name="firstName" autocomplete="given-name">
            <input id="news" type="checkbox"> <label for="news">Ja, ich möchte Angebote von Kaffee &amp; Co per E-Mail erhalten. Abmeldung jederzeit.</label>
          </form>
          <script src="{{Engine}}capture.js" data-key="{{PublishableKey}}" data-cart="{{WebUtility.HtmlEncode(cartId)}}" data-consent-field="#news" async></script>
        </body>
        </html>
        """;

    public async Task DisposeAsync()
    {
        await Api.DisposeAsync();
        await Checkout.DisposeAsync();
        await Elsewhere.DisposeAsync();
        await Smtp.DisposeAsync();
    }
}
