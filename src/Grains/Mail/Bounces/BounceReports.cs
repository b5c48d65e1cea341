using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using MimeKit;

namespace Orleans.Recovery.Mail.Bounces;

/// <summary>
/// Reads what came back to the bounce mailbox: RFC 3464 delivery status notifications, RFC 5965 (ARF) abuse reports,
/// and, best effort, the plain-text bounces some servers still send. Pure: the caller says which tokens are ours.
/// </summary>
public static partial class BounceReports
{
    /// <summary>
    /// The bounces and complaints <paramref name="report"/> holds: none for an auto-reply, a success notice or
    /// anything else that is no bounce. The token is the first of ours found where the report carries the return path.
    /// </summary>
    public static IReadOnlyList<MailEvent> Read(MimeMessage report, Func<string, bool> isOurToken, DateTimeOffset receivedAt)
    {
        var eventId = ReportId(report);
        var at = report.Date == DateTimeOffset.MinValue ? receivedAt : report.Date;
        var token = Tokens(report).FirstOrDefault(isOurToken);

        if (Find(report.Body, "message/feedback-report") is { } feedback)
        {
            var fields = Fields(feedback);
            if (string.Equals(Field(fields, "Feedback-Type"), "not-spam", StringComparison.OrdinalIgnoreCase))
            {
                return [];
            }

            var recipient = Address(Field(fields, "Original-Rcpt-To")) ?? EmbeddedMessage(report.Body)?.To.Mailboxes.FirstOrDefault()?.Address;
            return [new MailEvent(MailEventKind.Complaint, eventId, at, MailEvent.Sources.Mailbox)
            {
                Token = token,
                Recipient = recipient,
                Status = Field(fields, "Feedback-Type")?.ToLowerInvariant() ?? "abuse",
            }];
        }

        if (Descendants(report.Body).Prepend(report.Body).OfType<MessageDeliveryStatus>().FirstOrDefault() is { } status && StatusGroups(status) is { } groups)
        {
            var events = new List<MailEvent>();
            foreach (var (group, index) in groups.Skip(1).Select((group, index) => (group, index)))
            {
                var action = group["Action"]?.Trim().ToLowerInvariant();
                var code = StatusCode(group["Status"]);
                MailEventKind? kind = action switch
                {
                    "failed" => code?.StartsWith('4') == true ? MailEventKind.SoftBounce : MailEventKind.HardBounce,
                    "delayed" => MailEventKind.SoftBounce,
                    _ => null,
                };
                if (kind is { } known)
                {
                    events.Add(new MailEvent(known, $"{eventId}#{index}", at, MailEvent.Sources.Mailbox)
                    {
                        Token = token,
                        Recipient = Address(group["Final-Recipient"]) ?? Address(group["Original-Recipient"]),
                        Status = code,
                    });
                }
            }

            return events;
        }

        return NonStandard(report, eventId, at, token);
    }

    /// <summary>The per-message and per-recipient fields of a delivery status part; null when they do not parse, and the report is read from its words.</summary>
    private static HeaderList[]? StatusGroups(MessageDeliveryStatus status)
    {
        try
        {
            return [.. status.StatusGroups];
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>A bounce without a report part, as qmail, old Exchange and some hosted services send: read from its words.</summary>
    private static IReadOnlyList<MailEvent> NonStandard(MimeMessage report, string eventId, DateTimeOffset at, string? token)
    {
        if (IsAutoReply(report) || !LooksLikeBounce(report))
        {
            return [];
        }

        var text = report.TextBody ?? report.HtmlBody ?? "";
        var code = EnhancedCode().Match(text) is { Success: true } enhanced ? enhanced.Value
            : BasicCode().Match(text) is { Success: true } basic ? basic.Groups[1].Value
            : null;
        var kind = code is not null
            ? code[0] == '5' ? MailEventKind.HardBounce : MailEventKind.SoftBounce
            : PermanentWords().IsMatch(text) && !TemporaryWords().IsMatch(text) ? MailEventKind.HardBounce : MailEventKind.SoftBounce;
        var recipient = report.Headers["X-Failed-Recipients"] is { } failed ? Address(failed.Split(',')[0]) : null;
        return [new MailEvent(kind, eventId, at, MailEvent.Sources.Mailbox) { Token = token, Recipient = recipient, Status = code }];
    }

    private static bool IsAutoReply(MimeMessage report) =>
        report.Headers["Auto-Submitted"]?.Trim().StartsWith("auto-replied", StringComparison.OrdinalIgnoreCase) == true
        || report.Headers.Contains("X-Autoreply") || report.Headers.Contains("X-Autorespond")
        || string.Equals(report.Headers["Precedence"]?.Trim(), "auto_reply", StringComparison.OrdinalIgnoreCase);

    private static bool LooksLikeBounce(MimeMessage report) =>
        report.Headers.Contains("X-Failed-Recipients")
        || report.From.Mailboxes.Any(from => from.LocalPart.Equals("mailer-daemon", StringComparison.OrdinalIgnoreCase) || from.LocalPart.Equals("postmaster", StringComparison.OrdinalIgnoreCase))
        || BounceSubject().IsMatch(report.Subject ?? "");

    /// <summary>Where a report carries the return path, in order: its own recipients, the ARF fields, then any text in it.</summary>
    private static IEnumerable<string> Tokens(MimeMessage report)
    {
        foreach (var name in new[] { "Delivered-To", "X-Original-To", "Envelope-To", "To" })
        {
            foreach (var value in report.Headers.Where(header => header.Field.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(header => header.Value))
            {
                foreach (var token in TokensIn(value))
                {
                    yield return token;
                }
            }
        }

        foreach (var text in Texts(report.Body))
        {
            foreach (var token in TokensIn(text))
            {
                yield return token;
            }
        }
    }

    /// <summary>Candidate tokens: whatever follows a "+" in a local part and looks like a sealed token (base64url "." base64url).</summary>
    private static IEnumerable<string> TokensIn(string text) => VerpToken().Matches(text).Select(match => match.Groups[1].Value);

    /// <summary>The decoded text of every part, and the headers of every embedded message.</summary>
    private static IEnumerable<string> Texts(MimeEntity? entity)
    {
        switch (entity)
        {
            case Multipart multipart:
                foreach (var text in multipart.SelectMany(Texts))
                {
                    yield return text;
                }

                break;
            case MessagePart { Message: { } embedded }:
                yield return HeaderText(embedded.Headers);
                foreach (var text in Texts(embedded.Body))
                {
                    yield return text;
                }

                break;
            case TextPart text:
                yield return text.Text ?? "";
                break;
            case MimePart part when part.Content is not null:
                using (var stream = new MemoryStream())
                {
                    part.Content.DecodeTo(stream);
                    yield return Encoding.UTF8.GetString(stream.ToArray());
                }

                break;
        }
    }

    private static IEnumerable<MimeEntity> Descendants(MimeEntity? entity) => entity switch
    {
        Multipart multipart => multipart.SelectMany(part => Descendants(part).Prepend(part)),
        MessagePart { Message.Body: { } body } => Descendants(body).Prepend(body),
        _ => [],
    };

    private static MimePart? Find(MimeEntity? entity, string mimeType) => (entity is null ? [] : Descendants(entity).Prepend(entity))
        .OfType<MimePart>()
        .FirstOrDefault(part => part.ContentType.MimeType.Equals(mimeType, StringComparison.OrdinalIgnoreCase));

    private static MimeMessage? EmbeddedMessage(MimeEntity? entity) => (entity is null ? [] : Descendants(entity).Prepend(entity))
        .OfType<MessagePart>().Select(part => part.Message).FirstOrDefault(message => message is not null);

    /// <summary>The fields of a message/feedback-report part: header lines, however the part is encoded.</summary>
    private static HeaderList Fields(MimePart part)
    {
        using var stream = new MemoryStream();
        part.Content?.DecodeTo(stream);
        stream.Write("\r\n"u8);
        stream.Position = 0;
        try
        {
            return HeaderList.Load(stream);
        }
        catch (FormatException)
        {
            return [];
        }
    }

    private static string HeaderText(HeaderList headers) => string.Join("\n", headers.Select(header => $"{header.Field}: {header.Value}"));

    private static string? Field(HeaderList fields, string name) => fields[name]?.Trim();

    /// <summary>The address of an RFC 3464 recipient field (<c>rfc822; ana@example.com</c>) or an angle-bracketed one.</summary>
    private static string? Address(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var semicolon = value.IndexOf(';');
        var address = (semicolon >= 0 ? value[(semicolon + 1)..] : value).Trim().Trim('<', '>').Trim();
        return MailboxAddress.TryParse(address, out var mailbox) && mailbox.Address.Contains('@') ? mailbox.Address : null;
    }

    private static string? StatusCode(string? value) => value is null ? null : EnhancedCode().Match(value) is { Success: true } match ? match.Value : null;

    /// <summary>The report's own Message-ID, or a hash of its headers: the same report read twice has the same id.</summary>
    private static string ReportId(MimeMessage report) =>
        MailEvent.IdOf(MailEvent.Sources.Mailbox, string.IsNullOrWhiteSpace(report.MessageId) ? HeaderText(report.Headers) : report.MessageId);

    [GeneratedRegex(@"\+([A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,})@")]
    private static partial Regex VerpToken();

    [GeneratedRegex(@"(?<![\d.])[245]\.\d{1,3}\.\d{1,3}(?![\d.])")]
    private static partial Regex EnhancedCode();

    [GeneratedRegex(@"(?<!\d)([45][0-5]\d)[ -]")]
    private static partial Regex BasicCode();

    [GeneratedRegex(@"user unknown|unknown user|no such (user|mailbox)|does not exist|doesn't exist|mailbox unavailable|address rejected|invalid (recipient|address|mailbox)|recipient rejected|not found", RegexOptions.IgnoreCase)]
    private static partial Regex PermanentWords();

    [GeneratedRegex(@"quota|mailbox (is )?full|over ?quota|temporar|try again|delayed|deferred", RegexOptions.IgnoreCase)]
    private static partial Regex TemporaryWords();

    [GeneratedRegex(@"undeliver|returned (mail|to sender)|delivery (status notification|failure|failed|has failed|incomplete)|failure notice|mail delivery (failed|system)|non-?deliver|could not be delivered|delivery problem", RegexOptions.IgnoreCase)]
    private static partial Regex BounceSubject();
}
