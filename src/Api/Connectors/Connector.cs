using System.Security.Cryptography;
using System.Text.Json;
using Orleans.Recovery.Api.Validation;
using Orleans.Recovery.Carts;
using Orleans.Recovery.Mail;
using Orleans.Recovery.Money;
using Orleans.Recovery.Hosting.Connectors;

namespace Orleans.Recovery.Api.Connectors;

/// <summary>A delivery whose signature was checked: its topic and the provider's id for it, or why it was refused.</summary>
public sealed record Delivery(string Topic, string? DeliveryId, string? Refusal = null)
{
    /// <summary>WooCommerce's unsigned ping when a webhook is created: answered 200, nothing else done.</summary>
    public bool IsPing { get; init; }

    public static Delivery Refused(string topic, string reason) => new(topic, null, reason);
}

/// <summary>What a connector did with a verified delivery.</summary>
public sealed record ConnectorResult(string Outcome, string? Reason = null)
{
    public static ConnectorResult Applied(string? note = null) => new(DeliveryOutcomes.Applied, note);

    public static ConnectorResult Ignored(string reason) => new(DeliveryOutcomes.Ignored, reason);
}

/// <summary>
/// One provider's webhooks: checks the signature over the raw body, then maps the payload onto the engine's events,
/// the same grain calls the storefront API makes, so every rule, flow and report applies.
/// </summary>
public interface IConnector
{
    /// <summary>The provider's name in the endpoint, the log and the configuration.</summary>
    string Provider { get; }

    bool Enabled { get; }

    /// <summary>Checks the signature over <paramref name="body"/>, byte for byte, and reads the topic and delivery id.</summary>
    Delivery Verify(HttpRequest request, byte[] body, DateTimeOffset now);

    Task<ConnectorResult> ApplyAsync(Delivery delivery, JsonElement payload, HttpRequest request);
}

/// <summary>The checks every connector makes of a provider's fields, with the same rules as the storefront API's.</summary>
public static class ShopFields
{
    /// <summary>base64(HMAC-SHA256(secret, body)) against the header's value, compared in constant time.</summary>
    public static bool IsBase64Hmac(string? header, string secret, byte[] body)
    {
        if (string.IsNullOrEmpty(header))
        {
            return false;
        }

        var expected = HMACSHA256.HashData(System.Text.Encoding.UTF8.GetBytes(secret), body);
        var presented = new byte[expected.Length + 3];
        return Convert.TryFromBase64String(header.Trim(), presented, out var length)
            && CryptographicOperations.FixedTimeEquals(presented.AsSpan(0, length), expected);
    }

    public static string? Email(string? text) =>
        text?.Trim() is { Length: > 0 and <= 254 } address && SenderOptions.IsAddress(address) ? address : null;

    public static string? Currency(string? code) => code?.Trim().ToUpperInvariant() is { } upper && Currencies.IsKnown(upper) ? upper : null;

    public static string? Url(string? text) =>
        text is { Length: <= 2048 } && HttpUrls.TryNormalize(text.Trim(), out var url) && url.Length <= 2048 ? url : null;

    public static string? Locale(string? text) => text is not null && new LocaleAttribute().IsValid(text) ? text : null;

    /// <summary>Text for a name or a subject line: control characters (which could reach a mail header) become spaces.</summary>
    public static string Line(string? text, int max)
    {
        var line = new string((text ?? "").Select(c => char.IsControl(c) ? ' ' : c).ToArray()).Trim();
        return line.Length <= max ? line : line[..max].TrimEnd();
    }

    public static bool IsId(string? id) => Identifiers.IsValid(id);

    /// <summary>
    /// The lines of a cart or order: sku (else the product's or variant's id), name, quantity, unit price. A line the
    /// storefront API would refuse makes the whole delivery ignored, naming the field, as a problem would.
    /// </summary>
    public static (List<CartLine> Lines, string? Error) Lines(JsonElement payload, string field, Func<JsonElement, (string? Sku, string? Name, decimal? Quantity, decimal? Price, string? Image, string? Product)> read)
    {
        var lines = new List<CartLine>();
        var index = 0;
        foreach (var item in payload.Items(field))
        {
            var (sku, name, quantity, price, image, product) = read(item);
            var at = $"{field}[{index++}]";
            if (string.IsNullOrWhiteSpace(sku))
            {
                return ([], $"{at} has no sku or product id");
            }

            if (quantity is not { } count || count != decimal.Truncate(count) || count is < 1 or > 100_000)
            {
                return ([], $"{at}.quantity is not a whole number from 1 to 100000");
            }

            if (price is not { } unit || unit < 0 || unit > 1_000_000_000)
            {
                return ([], $"{at}.price is missing or not an amount of zero or more");
            }

            lines.Add(new CartLine(Line(sku, 100), Line(Payload.FirstOf(name, sku), 300), (int)count, unit, Url(image), Url(product)));
        }

        return lines.Count > 500 ? ([], $"{field} holds more than 500 lines") : (lines, null);
    }
}
