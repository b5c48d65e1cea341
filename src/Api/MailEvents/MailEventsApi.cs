using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Orleans.Recovery.Api.Connectors;
using Orleans.Recovery.Mail.Bounces;
using Orleans.Recovery.Hosting.Connectors;
using Orleans.Reminders;

namespace Orleans.Recovery.Api.MailEvents;

/// <summary>What an ESP is told: how many of its events were applied and how many meant nothing to the engine.</summary>
public sealed record MailEventsAnswer(int Recorded, int Ignored);

/// <summary>
/// The ESPs' bounce and complaint webhooks: <c>POST /api/v1/mail-events/{postmark,sendgrid,mailgun}</c>. Each is verified
/// before anything is read (a bad or missing signature gets 401 and changes nothing), then its events are applied as
/// the bounce mailbox's are. Events are applied once by their id, so a provider's retry changes nothing.
/// </summary>
public static partial class MailEventsApi
{
    /// <summary>How old a Mailgun signature may be: its retries run about 8 hours, and its token is refused a second time.</summary>
    public static readonly TimeSpan MailgunSignatureLifetime = TimeSpan.FromHours(12);

    public static IEndpointRouteBuilder MapMailEventsApi(this IEndpointRouteBuilder app)
    {
        var events = app.MapGroup("/api/v1/mail-events").WithTags("Mail events");
        events.MapPost("/postmark", (HttpContext http, IOptions<BounceOptions> options) => ReceiveAsync(http, options.Value, Provider.Postmark))
            .WithSummary("Postmark's Bounce and Spam Complaint webhooks")
            .WithDescription("HTTP Basic authentication with Recovery:Bounces:Postmark:Username and Password, put in the webhook URL (https://user:password@host/api/v1/mail-events/postmark).");
        events.MapPost("/sendgrid", (HttpContext http, IOptions<BounceOptions> options) => ReceiveAsync(http, options.Value, Provider.SendGrid))
            .WithSummary("SendGrid's signed Event Webhook: bounce, dropped, deferred and spamreport events")
            .WithDescription("ECDSA P-256 signature (X-Twilio-Email-Event-Webhook-Signature) over X-Twilio-Email-Event-Webhook-Timestamp and the raw body, verified with Recovery:Bounces:SendGrid:PublicKey.");
        events.MapPost("/mailgun", (HttpContext http, IOptions<BounceOptions> options) => ReceiveAsync(http, options.Value, Provider.Mailgun))
            .WithSummary("Mailgun's webhooks: failed (permanent and temporary) and complained")
            .WithDescription("HMAC-SHA256 of signature.timestamp and signature.token with Recovery:Bounces:Mailgun:SigningKey; a token is accepted once, within 12 hours.");
        return app;
    }

    private enum Provider
    {
        Postmark,
        SendGrid,
        Mailgun,
    }

    private static async Task<IResult> ReceiveAsync(HttpContext http, BounceOptions options, Provider provider)
    {
        var services = http.RequestServices;
        var clock = services.GetRequiredKeyedService<TimeProvider>(ReminderTimeProviderNames.Reminders);
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(MailEventsApi));
        var (enabled, key) = provider switch
        {
            Provider.Postmark => (options.Postmark.Enabled, "Postmark:Username and Password"),
            Provider.SendGrid => (options.SendGrid.Enabled, "SendGrid:PublicKey"),
            _ => (options.Mailgun.Enabled, "Mailgun:SigningKey"),
        };
        if (!enabled)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "This webhook is off.",
                detail: $"Set {BounceOptions.Section}:{key} to turn it on.");
        }

        // Kept for the request: the cluster's retry filter runs this handler again when a silo is going away.
        if (http.Items[typeof(MailEventsApi)] is not byte[] body)
        {
            using var buffer = new MemoryStream();
            await http.Request.Body.CopyToAsync(buffer, http.RequestAborted);
            body = buffer.ToArray();
            http.Items[typeof(MailEventsApi)] = body;
        }

        var now = clock.GetUtcNow();
        var refusal = provider switch
        {
            Provider.Postmark => VerifyPostmark(http.Request, options.Postmark),
            Provider.SendGrid => VerifySendGrid(http.Request, body, options.SendGrid),
            _ => null,
        };

        JsonDocument? document = null;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
        }

        using (document)
        {
            string? mailgunToken = null;
            if (refusal is null && provider == Provider.Mailgun)
            {
                (refusal, mailgunToken) = VerifyMailgun(document?.RootElement, options.Mailgun, now);
            }

            if (refusal is not null)
            {
                if (services.GetRequiredService<ConnectorsApi.RefusalLog>().MayLog(http))
                {
                    LogRefused(logger, provider.ToString(), refusal);
                }

                if (provider == Provider.Postmark)
                {
                    http.Response.Headers.WWWAuthenticate = "Basic realm=\"mail-events\"";
                }

                return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized", detail: $"The delivery is refused: {refusal}.");
            }

            var root = document?.RootElement;
            var events = root is { } element ? provider switch
            {
                Provider.Postmark when element.ValueKind == JsonValueKind.Object => EspEvents.Postmark(element, now),
                Provider.SendGrid when element.ValueKind == JsonValueKind.Array => EspEvents.SendGrid(element, now),
                Provider.Mailgun when element.ValueKind == JsonValueKind.Object => EspEvents.Mailgun(element, now),
                _ => null,
            } : null;
            if (events is null)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The body is not the provider's event JSON.",
                    detail: provider == Provider.SendGrid ? "SendGrid posts a JSON array of events." : "The provider posts one JSON object per event.");
            }

            var claims = services.GetRequiredService<ConnectorDeliveries>();
            if (mailgunToken is not null && !await claims.ClaimAsync("mailgun-events", mailgunToken, now))
            {
                // The signature covers the timestamp and token, not the body: a token seen before is a replay or a retry already applied.
                return TypedResults.Ok(new MailEventsAnswer(0, events.Count));
            }

            var recorder = services.GetRequiredService<Mail.Bounces.MailEvents>();
            var recorded = 0;
            try
            {
                foreach (var mailEvent in events.OfType<MailEvent>())
                {
                    // An erased customer's event counts as recorded, as any address's does: the answer reveals nothing.
                    if (await recorder.RecordAsync(mailEvent) != MailEventOutcome.Unmatched)
                    {
                        recorded++;
                    }
                }
            }
            catch when (mailgunToken is not null)
            {
                // Not stored: Mailgun's retry must find the token unclaimed.
                await claims.ReleaseAsync("mailgun-events", mailgunToken);
                throw;
            }

            if (mailgunToken is not null)
            {
                await claims.CompleteAsync("mailgun-events", mailgunToken);
            }

            return TypedResults.Ok(new MailEventsAnswer(recorded, events.Count - recorded));
        }
    }

    /// <summary>Postmark sends the credentials of the webhook's URL as HTTP Basic authentication; both compared in constant time.</summary>
    private static string? VerifyPostmark(HttpRequest request, PostmarkOptions postmark)
    {
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return "no Basic credentials";
        }

        string credentials;
        try
        {
            credentials = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
        }
        catch (FormatException)
        {
            return "unreadable Basic credentials";
        }

        var colon = credentials.IndexOf(':');
        var user = colon >= 0 ? credentials[..colon] : credentials;
        var password = colon >= 0 ? credentials[(colon + 1)..] : "";
        var userMatches = FixedTimeEquals(user, postmark.Username!);
        var passwordMatches = FixedTimeEquals(password, postmark.Password!);
        return userMatches && passwordMatches ? null : "wrong credentials";
    }

    /// <summary>SendGrid signs the timestamp header's text followed by the raw body, ECDSA P-256 with SHA-256, DER-encoded.</summary>
    private static string? VerifySendGrid(HttpRequest request, byte[] body, SendGridOptions sendGrid)
    {
        var signature = request.Headers["X-Twilio-Email-Event-Webhook-Signature"].ToString();
        var timestamp = request.Headers["X-Twilio-Email-Event-Webhook-Timestamp"].ToString();
        if (signature.Length == 0 || timestamp.Length == 0)
        {
            return "no X-Twilio-Email-Event-Webhook-Signature and Timestamp";
        }

        byte[] der;
        try
        {
            der = Convert.FromBase64String(signature);
        }
        catch (FormatException)
        {
            return "an unreadable signature";
        }

        using var key = ECDsa.Create();
        key.ImportSubjectPublicKeyInfo(SendGridOptions.ReadKey(sendGrid.PublicKey!)!, out _);
        var signed = new byte[Encoding.UTF8.GetByteCount(timestamp) + body.Length];
        var written = Encoding.UTF8.GetBytes(timestamp, signed);
        body.CopyTo(signed.AsSpan(written));
        try
        {
            return key.VerifyData(signed, der, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence) ? null : "a signature that does not verify";
        }
        catch (CryptographicException)
        {
            return "a signature that does not verify";
        }
    }

    /// <summary>Mailgun signs <c>timestamp + token</c> with HMAC-SHA256, hex; the body itself is not covered, so a token counts once.</summary>
    private static (string? Refusal, string? Token) VerifyMailgun(JsonElement? root, MailgunOptions mailgun, DateTimeOffset now)
    {
        if (root is not { ValueKind: JsonValueKind.Object } element || !element.TryGetProperty("signature", out var signature) || signature.ValueKind != JsonValueKind.Object)
        {
            return ("no signature object", null);
        }

        var timestamp = Payload.Text(signature, "timestamp");
        var token = Payload.Text(signature, "token");
        var hex = Payload.Text(signature, "signature");
        if (timestamp is null || token is null || hex is null || token.Length > 256)
        {
            return ("an incomplete signature object", null);
        }

        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(mailgun.SigningKey!), Encoding.UTF8.GetBytes(timestamp + token));
        byte[] given;
        try
        {
            given = Convert.FromHexString(hex);
        }
        catch (FormatException)
        {
            return ("an unreadable signature", null);
        }

        if (!CryptographicOperations.FixedTimeEquals(expected, given))
        {
            return ("a signature that does not verify", null);
        }

        if (!long.TryParse(timestamp, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds)
            || Math.Abs((now - DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(seconds, 0, 253402300799))).Ticks) > MailgunSignatureLifetime.Ticks)
        {
            return ("a signature older than 12 hours", null);
        }

        return (null, token);
    }


    private static bool FixedTimeEquals(string given, string expected) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));

    [LoggerMessage(Level = LogLevel.Warning, Message = "A {Provider} mail-event delivery was refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string provider, string reason);
}
