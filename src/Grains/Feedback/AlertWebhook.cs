using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Orleans.Recovery.Mail;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Reminders;

namespace Orleans.Recovery.Feedback;

/// <summary>The body of a low-rating alert as the shop's webhook receives it.</summary>
[GenerateSerializer, Immutable, Alias("low-rating-alert")]
public sealed record LowRatingAlert(
    [property: Id(0)] string Type,
    [property: Id(1)] string DeliveryId,
    [property: Id(2)] string OrderId,
    [property: Id(3)] int Rating,
    [property: Id(4)] string CustomerEmail,
    [property: Id(5)] string CustomerName,
    [property: Id(6)] DateTimeOffset RatedAt);

/// <summary>
/// Posts alerts to the shop's webhook. Each request is signed: <c>X-Recovery-Signature: sha256=hex(HMAC(secret,
/// timestamp + "." + body))</c> with <c>X-Recovery-Timestamp</c> in Unix seconds, so the receiver can check both who
/// sent it and that it is fresh. <c>X-Recovery-Delivery</c> is stable across retries, for deduplication.
/// </summary>
public sealed class AlertWebhook(HttpClient http, IOptionsMonitor<AlertOptions> options, [FromKeyedServices(ReminderTimeProviderNames.Reminders)] TimeProvider clock)
{
    public const string SignatureHeader = "X-Recovery-Signature";
    public const string TimestampHeader = "X-Recovery-Timestamp";
    public const string DeliveryHeader = "X-Recovery-Delivery";

    private static readonly JsonSerializerOptions _json = new(JsonSerializerDefaults.Web);

    public bool IsConfigured => !string.IsNullOrEmpty(options.CurrentValue.WebhookUrl);

    public async Task<DeliveryResult> SendAsync(LowRatingAlert alert, CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        var body = JsonSerializer.SerializeToUtf8Bytes(alert, _json);
        var timestamp = clock.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Post, settings.WebhookUrl) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add(TimestampHeader, timestamp);
        request.Headers.Add(DeliveryHeader, alert.DeliveryId);
        request.Headers.Add(SignatureHeader, Sign(settings.WebhookSecret!, timestamp, body));
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            var code = (int)response.StatusCode;
            return response.IsSuccessStatusCode
                ? new DeliveryResult(DeliveryOutcome.Delivered, $"http-{code}")
                : code is >= 400 and < 500 && response.StatusCode is not (HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests)
                    ? new DeliveryResult(DeliveryOutcome.Rejected, $"http-{code}")
                    : new DeliveryResult(DeliveryOutcome.TransientFailure, $"http-{code}");
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
        {
            return new DeliveryResult(DeliveryOutcome.TransientFailure, exception.GetType().Name);
        }
    }

    public static string Sign(string secret, string timestamp, ReadOnlySpan<byte> body)
    {
        var signed = new byte[Encoding.UTF8.GetByteCount(timestamp) + 1 + body.Length];
        var written = Encoding.UTF8.GetBytes(timestamp, signed);
        signed[written] = (byte)'.';
        body.CopyTo(signed.AsSpan(written + 1));
        return "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed));
    }
}
