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
    public const string ShopifySecret = Webhooks.ShopifySecret;
    public const string WooCommerceSecret = Webhooks.WooCommerceSecret;
    public const string StripeSecret = Webhooks.StripeSecret;

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
    /// The README's example checkout page (deploy/examples/capture-checkout.html), filled in as a shop would: the
    /// engine's address, the publishable key and the cart's id.
    /// </summary>
    public string Page(string cartId) => File.ReadAllText(Path.Combine(Repository.Root, "deploy", "examples", "capture-checkout.html"))
        .Replace("ENGINE_URL", Engine.ToString(), StringComparison.Ordinal)
        .Replace("PUBLISHABLE_KEY", PublishableKey, StringComparison.Ordinal)
        .Replace("CART_ID", WebUtility.HtmlEncode(cartId), StringComparison.Ordinal);

    public async Task DisposeAsync()
    {
        await Api.DisposeAsync();
        await Checkout.DisposeAsync();
        await Elsewhere.DisposeAsync();
        await Smtp.DisposeAsync();
    }
}
