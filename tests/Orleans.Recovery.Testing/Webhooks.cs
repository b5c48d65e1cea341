using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Orleans.Recovery.Testing;

/// <summary>
/// Deliveries as the providers send them: their documented payloads (Payloads/, with NOTES.md on where each shape comes
/// from), compact on the wire, signed over the exact bytes posted with the test secrets.
/// </summary>
public static class Webhooks
{
    public const string ShopifySecret = "shopify-test-secret-0123456789";
    public const string WooCommerceSecret = "woocommerce-test-secret-0123456789";
    public const string StripeSecret = "whsec_test_0123456789abcdef";

    public static JsonObject Load(string name) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Payloads", name + ".json")))!.AsObject();

    public static Task<HttpResponseMessage> ShopifyAsync(this HttpClient client, string topic, JsonNode body, string? webhookId = null, string secret = ShopifySecret)
    {
        var bytes = Encoding.UTF8.GetBytes(body.ToJsonString());
        var request = Post("/api/v1/connectors/shopify", bytes);
        request.Headers.Add("X-Shopify-Topic", topic);
        request.Headers.Add("X-Shopify-Hmac-Sha256", Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), bytes)));
        request.Headers.Add("X-Shopify-Webhook-Id", webhookId ?? Guid.NewGuid().ToString());
        request.Headers.Add("X-Shopify-Shop-Domain", "kaffee-co.myshopify.com");
        request.Headers.Add("X-Shopify-API-Version", "2026-07");
        return client.SendAsync(request);
    }

    /// <summary>WooCommerce's body as wp_json_encode writes it: slashes and non-ASCII escaped.</summary>
    public static Task<HttpResponseMessage> WooCommerceAsync(this HttpClient client, string topic, JsonNode body, string? deliveryId = null, string secret = WooCommerceSecret)
    {
        var json = body.ToJsonString(new JsonSerializerOptions { Encoder = JavaScriptEncoder.Default }).Replace("/", "\\/", StringComparison.Ordinal);
        var bytes = Encoding.UTF8.GetBytes(json);
        var request = Post("/api/v1/connectors/woocommerce", bytes);
        request.Headers.Add("X-WC-Webhook-Topic", topic);
        request.Headers.Add("X-WC-Webhook-Resource", topic.Split('.')[0]);
        request.Headers.Add("X-WC-Webhook-Event", topic.Split('.')[1]);
        request.Headers.Add("X-WC-Webhook-Source", "https://kaffee.example/");
        request.Headers.Add("X-WC-Webhook-ID", "17");
        request.Headers.Add("X-WC-Webhook-Delivery-ID", deliveryId ?? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)));
        request.Headers.Add("X-WC-Webhook-Signature", Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), bytes)));
        return client.SendAsync(request);
    }

    /// <summary>A Stripe event signed at <paramref name="signedAt"/>: <c>Stripe-Signature: t=…,v1=hex(HMAC(secret, t.body))</c>.</summary>
    public static Task<HttpResponseMessage> StripeAsync(this HttpClient client, JsonNode stripeEvent, DateTimeOffset signedAt, string secret = StripeSecret)
    {
        var bytes = Encoding.UTF8.GetBytes(stripeEvent.ToJsonString());
        var t = signedAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var signature = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(t + ".").Concat(bytes).ToArray()));
        var request = Post("/api/v1/connectors/stripe", bytes);
        request.Headers.Add("Stripe-Signature", $"t={t},v1={signature}");
        return client.SendAsync(request);
    }

    public static async Task<(string Outcome, string? Reason)> OutcomeAsync(this HttpResponseMessage response)
    {
        var answer = await response.ReadJsonAsync();
        return (answer.GetProperty("outcome").GetString()!, answer.TryGetProperty("reason", out var reason) && reason.ValueKind == JsonValueKind.String ? reason.GetString() : null);
    }

    private static HttpRequestMessage Post(string path, byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
    }
}
