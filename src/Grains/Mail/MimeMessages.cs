using System.Security.Cryptography;
using System.Text;
using MimeKit;

namespace Orleans.Recovery.Mail;

/// <summary>Turns an <see cref="OutgoingMail"/> into a MIME message: multipart text and HTML.</summary>
public static class MimeMessages
{
    public static MimeMessage From(OutgoingMail mail)
    {
        var message = new MimeMessage();
        message.From.Add(Mailbox(mail.From));
        message.To.Add(Mailbox(mail.To));
        if (mail.ReplyTo is { } replyTo)
        {
            message.ReplyTo.Add(Mailbox(replyTo));
        }

        message.Subject = SingleLine(mail.Subject);
        message.MessageId = StableMessageId(mail);
        foreach (var header in mail.Headers)
        {
            message.Headers.Add(header.Name, SingleLine(header.Value));
        }

        message.Body = new BodyBuilder { TextBody = mail.Text, HtmlBody = mail.Html }.ToMessageBody();
        return message;
    }

    /// <summary>Strips line breaks and other control characters, so no value can start a header of its own.</summary>
    public static string SingleLine(string value)
    {
        var builder = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            builder.Append(char.IsControl(c) ? ' ' : c);
        }

        return builder.ToString().Trim();
    }

    private static MailboxAddress Mailbox(MailParty party) => new(party.Name is null ? null : SingleLine(party.Name), party.Address);

    // The same message id always gives the same Message-ID header, so a receiver can dedupe even a resend.
    private static string StableMessageId(OutgoingMail mail)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(mail.MessageId));
        var at = mail.From.Address.LastIndexOf('@');
        var domain = at >= 0 ? mail.From.Address[(at + 1)..] : "localhost";
        return $"{Convert.ToHexStringLower(hash.AsSpan(0, 16))}@{domain}";
    }
}
