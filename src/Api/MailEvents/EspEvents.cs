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
        return [kind is { } known ? Event(known, MailEvent.Sources.Postmark, $"{Payload.Text(record, "RecordType")}:{Payload.Text(record, "ID") ?? Digest(record)}",
            Payload.Text(record, "MessageID"), now, PostmarkToken(record), Payload.Text(record, "Email"), type) : null];
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
            ? Event(known, MailEvent.Sources.SendGrid, Payload.Text(item, "sg_event_id") ?? Digest(item), Payload.Text(item, "sg_message_id"), now,
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
        // Mailgun's event id is unique per day only: with its timestamp it names one event.
        var id = Payload.Text(data, "id") is { } eventId ? $"{eventId}:{Payload.Text(data, "timestamp")}" : Digest(data);
        var messageId = Payload.Text(Payload.Get(Payload.Get(data, "message"), "headers"), "message-id");
        return [kind is { } known ? Event(known, MailEvent.Sources.Mailgun, id, messageId, now,
            Metadata(data, "user-variables"), Payload.Text(data, "recipient"), status ?? Payload.Text(data, "severity")) : null];
    }

    /// <summary>
    /// One event. A soft bounce is identified by the provider's message, when it names one: a provider reports every
    /// retry of a deferred message, and they count as one bounce, as the bounce mailbox counts them.
    /// </summary>
    private static MailEvent Event(MailEventKind kind, string source, string id, string? providerMessageId, DateTimeOffset now, string? token, string? recipient, string? status) =>
        new(kind, MailEvent.IdOf(source, kind == MailEventKind.SoftBounce && providerMessageId is not null ? $"soft:{providerMessageId}" : id), now, source)
        {
            Token = token,
            Recipient = recipient,
            Status = status is { Length: > 64 } ? status[..64] : status,
        };

    /// <summary>An id for an event that carries none: its JSON's hash, so the same event posted again is the same event.</summary>
    private static string Digest(JsonElement element) =>
        "#" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(element.GetRawText())).AsSpan(0, 16));

    /// <summary>Our token, cut into Postmark's metadata values of 80 characters at most, put back together.</summary>
    private static string? PostmarkToken(JsonElement record)
    {
        var metadata = Payload.Get(record, "Metadata");
        var parts = BounceOptions.PostmarkTokenKeys.Select(key => Payload.Text(metadata, key)).TakeWhile(part => part is not null).ToList();
        return parts.Count > 0 ? string.Concat(parts) : null;
    }

    /// <summary>Our token in a provider's custom data object; Mailgun sends an empty array when there is none.</summary>
    private static string? Metadata(JsonElement element, string name) =>
        element.TryGetProperty(name, out var data) && data.ValueKind == JsonValueKind.Object ? Payload.Text(data, BounceOptions.EspTokenKey) : null;

}
