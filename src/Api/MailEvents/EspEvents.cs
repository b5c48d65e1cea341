using System.Globalization;
using System.Text.Json;
using Orleans.Recovery.Api.Connectors;
using Orleans.Recovery.Mail.Bounces;

namespace Orleans.Recovery.Api.MailEvents;

/// <summary>
/// The ESPs' event JSON read into bounces and complaints; null for an event that is neither (a delivery, an open, an
/// auto-reply, an unsubscribe the ESP handled). Read by field names stable across the providers' documented versions.
/// </summary>
public static class EspEvents
{
    /// <summary>Postmark: one Bounce or SpamComplaint record. Classified on <c>Type</c>, never on <c>TypeCode</c>, which its own docs give two ways.</summary>
    public static IReadOnlyList<MailEvent?> Postmark(JsonElement record, DateTimeOffset now)
    {
        var type = Payload.Text(record, "Type") ?? "";
        MailEventKind? kind = Payload.Text(record, "RecordType") == "SpamComplaint" ? MailEventKind.Complaint : type switch
        {
            "HardBounce" or "BadEmailAddress" or "ManuallyDeactivated" => MailEventKind.HardBounce,
            "SpamComplaint" => MailEventKind.Complaint,
            "SoftBounce" or "Transient" or "DnsError" or "SpamNotification" or "Blocked" => MailEventKind.SoftBounce,
            _ => record.TryGetProperty("Inactive", out var inactive) && inactive.ValueKind == JsonValueKind.True ? MailEventKind.HardBounce : null,
        };
        return [kind is { } known ? Event(known, $"postmark:{Payload.Text(record, "RecordType")}:{Payload.Text(record, "ID")}", now, MailEvent.Sources.Postmark,
            Metadata(record, "Metadata"), Payload.Text(record, "Email"), type) : null];
    }

    /// <summary>SendGrid: a batch of events; our custom argument comes back flattened into each.</summary>
    public static IReadOnlyList<MailEvent?> SendGrid(JsonElement batch, DateTimeOffset now) => [.. batch.EnumerateArray().Select(item =>
    {
        if (item.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var type = Payload.Text(item, "type");
        var reason = Payload.Text(item, "reason") ?? "";
        MailEventKind? kind = Payload.Text(item, "event") switch
        {
            "bounce" when type == "blocked" => MailEventKind.SoftBounce,
            "bounce" => MailEventKind.HardBounce,
            "deferred" => MailEventKind.SoftBounce,
            "spamreport" => MailEventKind.Complaint,
            "dropped" when reason.Contains("Bounced Address", StringComparison.OrdinalIgnoreCase) || reason.Equals("Invalid", StringComparison.OrdinalIgnoreCase) => MailEventKind.HardBounce,
            "dropped" when reason.Contains("Spam Reporting Address", StringComparison.OrdinalIgnoreCase) => MailEventKind.Complaint,
            _ => null,
        };
        return kind is { } known
            ? Event(known, $"sendgrid:{Payload.Text(item, "sg_event_id") ?? Guid.NewGuid().ToString("N")}", now, MailEvent.Sources.SendGrid,
                Payload.Text(item, BounceOptions.EspTokenKey), Payload.Text(item, "email"), Payload.Text(item, "status") ?? type ?? Payload.Text(item, "event"))
            : null;
    })];

    /// <summary>Mailgun: one event; failed is hard when permanent, soft when temporary.</summary>
    public static IReadOnlyList<MailEvent?> Mailgun(JsonElement body, DateTimeOffset now)
    {
        if (!body.TryGetProperty("event-data", out var data) || data.ValueKind != JsonValueKind.Object)
        {
            return [null];
        }

        var reason = Payload.Text(data, "reason");
        MailEventKind? kind = Payload.Text(data, "event") switch
        {
            "failed" when reason == "suppress-complaint" => MailEventKind.Complaint,
            "failed" when reason == "suppress-unsubscribe" => null,
            "failed" when Payload.Text(data, "severity") == "permanent" => MailEventKind.HardBounce,
            "failed" => MailEventKind.SoftBounce,
            "complained" => MailEventKind.Complaint,
            _ => null,
        };
        var status = data.TryGetProperty("delivery-status", out var delivery) && delivery.ValueKind == JsonValueKind.Object
            ? Payload.Text(delivery, "enhanced-code") ?? Payload.Text(delivery, "code")
            : null;
        var id = Payload.Text(data, "id") ?? Guid.NewGuid().ToString("N");
        return [kind is { } known ? Event(known, $"mailgun:{id}:{Payload.Text(data, "timestamp")}", now, MailEvent.Sources.Mailgun,
            Metadata(data, "user-variables"), Payload.Text(data, "recipient"), status ?? Payload.Text(data, "severity")) : null];
    }

    private static MailEvent Event(MailEventKind kind, string id, DateTimeOffset now, string source, string? token, string? recipient, string? status) =>
        new(kind, id, now, source) { Token = token, Recipient = recipient, Status = status is { Length: > 64 } ? status[..64] : status };

    /// <summary>Our token in a provider's custom data object; Mailgun sends an empty array when there is none.</summary>
    private static string? Metadata(JsonElement element, string name) =>
        element.TryGetProperty(name, out var data) && data.ValueKind == JsonValueKind.Object ? Payload.Text(data, BounceOptions.EspTokenKey) : null;

}
