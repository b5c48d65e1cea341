using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;
using Orleans.Recovery.Links;
using Orleans.Recovery.Mail.Bounces;
using Orleans.Reminders;

namespace Orleans.Recovery.Mail;

/// <summary>
/// Hands one rendered message to the transport and says what became of it, in the terms the follow-up engine acts
/// on. The Message-ID header derives from the message id, so receivers can drop a resend after a crash. With a return
/// path configured, the envelope sender names the message in a sealed token (VERP), so a bounce leads back to it.
/// </summary>
public sealed partial class MailSender(
    IMailTransport transport,
    DkimSigning dkim,
    IOptions<BounceOptions> bounces,
    LinkTokens tokens,
    [FromKeyedServices(ReminderTimeProviderNames.Reminders)] TimeProvider clock,
    ILogger<MailSender> logger)
{

    /// <summary>
    /// Hands <paramref name="mail"/> to the transport on <paramref name="handOff"/>'s terms. Nothing cancels it from
    /// outside: a message its owner withdrew is withheld at the hand-off's last check.
    /// </summary>
    public async Task<DeliveryResult> DeliverAsync(OutgoingMail mail, HandOff handOff)
    {
        try
        {
            var message = MimeMessages.From(mail);
            MailboxAddress? returnPath = null;
            if (bounces.Value.TracksMessages)
            {
                var token = tokens.Token(LinkPurpose.Bounce, mail.MessageId, clock.GetUtcNow());
                returnPath = bounces.Value.ReturnPathFor(token) is { } address ? new MailboxAddress(null, address) : null;
                foreach (var (name, value) in bounces.Value.EspHeaders(token))
                {
                    // As written: MimeKit would fold a long unstructured value into RFC 2047 encoded words, which an
                    // ESP reads as they stand. The value is ASCII without line breaks, and short of the 998 limit.
                    var header = new Header(name, value);
                    header.SetRawValue(System.Text.Encoding.ASCII.GetBytes($" {value}\r\n"));
                    message.Headers.Add(header);
                }
            }

            dkim.Sign(message);
            await transport.SendAsync(message, returnPath, handOff, CancellationToken.None);
            LogDelivered(mail.MessageId, transport.Name);
            return new DeliveryResult(DeliveryOutcome.Delivered);
        }
        catch (HandOffWithheldException withheld)
        {
            return new DeliveryResult(DeliveryOutcome.Withheld, withheld.Reason);
        }
        catch (SmtpCommandException exception)
        {
            var code = (int)exception.StatusCode;
            var outcome = code switch
            {
                >= 500 when exception.ErrorCode == SmtpErrorCode.RecipientNotAccepted && code is 550 or 551 or 553 => DeliveryOutcome.MailboxUnavailable,
                >= 500 => DeliveryOutcome.Rejected,
                _ => DeliveryOutcome.TransientFailure,
            };
            LogRefused(mail.MessageId, code, outcome);
            return new DeliveryResult(outcome, $"smtp-{code}");
        }
        catch (Exception exception) when (exception is SmtpProtocolException or IOException or SocketException
            or ServiceNotConnectedException or TimeoutException or OperationCanceledException
            or MailKit.Security.AuthenticationException or System.Security.Authentication.AuthenticationException)
        {
            var detail = exception is HandOffTimeoutException ? "smtp-deadline" : exception.GetType().Name;
            LogUnreachable(mail.MessageId, detail, exception.Message);
            return new DeliveryResult(DeliveryOutcome.TransientFailure, detail);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Message {MessageId} delivered via {Transport}")]
    private partial void LogDelivered(string messageId, string transport);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId} refused by the SMTP server with {StatusCode}: {Outcome}")]
    private partial void LogRefused(string messageId, int statusCode, DeliveryOutcome outcome);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId} not delivered, will retry: {ErrorKind} {Error}")]
    private partial void LogUnreachable(string messageId, string errorKind, string error);
}
