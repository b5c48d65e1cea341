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
            Provider.Postmark => EspSignatures.VerifyPostmark(http.Request, options.Postmark),
            Provider.SendGrid => EspSignatures.VerifySendGrid(http.Request, body, options.SendGrid),
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
                (refusal, mailgunToken) = EspSignatures.VerifyMailgun(document?.RootElement, options.Mailgun, now);
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "A {Provider} mail-event delivery was refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string provider, string reason);
}
