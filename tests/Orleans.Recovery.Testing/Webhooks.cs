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

    public static JsonObject Load(string name) => LoadNode(name).AsObject();

    /// <summary>A payload whose top level may be an array (SendGrid's batches).</summary>
    public static JsonNode LoadNode(string name) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Payloads", name + ".json")))!;

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

    public const string PostmarkUsername = "postmark-hooks";
    public const string PostmarkPassword = "postmark-test-password-0123456789";
    public const string MailgunSigningKey = "mailgun-test-signing-key-0123456789";

    /// <summary>SendGrid's signing key pair for the tests: the public half is what its settings page would show.</summary>
    public static readonly ECDsa SendGridKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    /// <summary>The verification key as SendGrid's settings page shows it: base64 of the DER SubjectPublicKeyInfo.</summary>
    public static string SendGridPublicKey => Convert.ToBase64String(SendGridKey.ExportSubjectPublicKeyInfo());

    /// <summary>Postmark's webhook, with the Basic credentials its URL carries.</summary>
    public static Task<HttpResponseMessage> PostmarkAsync(this HttpClient client, JsonNode record, string username = PostmarkUsername, string password = PostmarkPassword)
    {
        var request = Post("/api/v1/mail-events/postmark", Encoding.UTF8.GetBytes(record.ToJsonString()));
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{username}:{password}")));
        return client.SendAsync(request);
    }

    /// <summary>SendGrid's signed Event Webhook: ECDSA P-256, SHA-256, DER, over the timestamp header's text and the body.</summary>
    public static Task<HttpResponseMessage> SendGridAsync(this HttpClient client, JsonNode batch, DateTimeOffset signedAt, ECDsa? key = null)
    {
        var bytes = Encoding.UTF8.GetBytes(batch.ToJsonString());
        var timestamp = signedAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var signature = (key ?? SendGridKey).SignData([.. Encoding.UTF8.GetBytes(timestamp), .. bytes], HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        var request = Post("/api/v1/mail-events/sendgrid", bytes);
        request.Headers.Add("X-Twilio-Email-Event-Webhook-Signature", Convert.ToBase64String(signature));
        request.Headers.Add("X-Twilio-Email-Event-Webhook-Timestamp", timestamp);
        return client.SendAsync(request);
    }

    /// <summary>Signs a Mailgun body's signature object as Mailgun does: hex HMAC-SHA256 of timestamp + token with the signing key.</summary>
    public static JsonObject SignMailgun(JsonObject body, DateTimeOffset signedAt, string key = MailgunSigningKey, string? token = null)
    {
        var timestamp = signedAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        token ??= Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(25));
        body["signature"] = new JsonObject
        {
            ["timestamp"] = timestamp,
            ["token"] = token,
            ["signature"] = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(timestamp + token))),
        };
        return body;
    }

    public static Task<HttpResponseMessage> MailgunAsync(this HttpClient client, JsonNode body) =>
        client.SendAsync(Post("/api/v1/mail-events/mailgun", Encoding.UTF8.GetBytes(body.ToJsonString())));

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
