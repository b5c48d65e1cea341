using Orleans.Recovery.Ledger;

namespace Orleans.Recovery.Mail.Bounces;

/// <summary>What a mailbox provider or an ESP reported back about a message the engine sent.</summary>
public enum MailEventKind
{
    /// <summary>Permanent failure (5.x.x, an ESP's "bounce" or "permanent"): the address is suppressed at once.</summary>
    HardBounce,

    /// <summary>Temporary failure (4.x.x, a deferral): counted, and enough of them suppress the address.</summary>
    SoftBounce,

    /// <summary>The recipient marked the message as spam: no more marketing mail.</summary>
    Complaint,
}

/// <summary>
/// One bounce or complaint, as read from a report or a webhook: the message it is about when the report carried our
/// token, else the recipient's address. <see cref="EventId"/> identifies the report, so a report read twice counts once.
/// </summary>
[GenerateSerializer, Immutable, Alias("mail-event")]
public sealed record MailEvent(
    [property: Id(0)] MailEventKind Kind,
    [property: Id(1)] string EventId,
    [property: Id(2)] DateTimeOffset At,
    [property: Id(3)] string Source)
{
    /// <summary>The sealed token of our return path or ESP metadata, naming the message; null when the report had none.</summary>
    [Id(4)] public string? Token { get; init; }

    /// <summary>The recipient the report names; used only when no token leads to the message, and never logged.</summary>
    [Id(5)] public string? Recipient { get; init; }

    /// <summary>The enhanced status code (5.1.1) or the ESP's type, for the message's log.</summary>
    [Id(6)] public string? Status { get; init; }

    /// <summary>The reason as the message's log and the ledger name it.</summary>
    public string Reason => Kind switch
    {
        MailEventKind.HardBounce => SkipReason.HardBounce,
        MailEventKind.SoftBounce => "soft-bounce",
        _ => SkipReason.Complaint,
    };

    /// <summary>
    /// An event id of bounded length: <paramref name="raw"/> as it is when short, else its hash. The ids are kept with
    /// the customer, and a report's Message-ID or a provider's id is whatever its sender wrote.
    /// </summary>
    public static string IdOf(string source, string raw) => raw.Length <= 80
        ? $"{source}:{raw}"
        : $"{source}:#{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(raw)).AsSpan(0, 16))}";

    /// <summary>Where the event came from: the bounce mailbox or an ESP's webhook.</summary>
    public static class Sources
    {
        public const string Mailbox = "imap";
        public const string Postmark = "postmark";
        public const string SendGrid = "sendgrid";
        public const string Mailgun = "mailgun";
    }
}
