using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using Microsoft.Extensions.Logging;

namespace Orleans.Recovery.Mail;

/// <summary>
/// Hands one rendered message to the transport and says what became of it, in the terms the follow-up engine acts
/// on. The Message-ID header derives from the message id, so receivers can drop a resend after a crash.
/// </summary>
public sealed partial class MailSender(IMailTransport transport, DkimSigning dkim, ILogger<MailSender> logger)
{
    public async Task<DeliveryResult> DeliverAsync(OutgoingMail mail, HandOff handOff, CancellationToken cancellationToken)
    {
        try
        {
            var message = MimeMessages.From(mail);
            dkim.Sign(message);
            await transport.SendAsync(message, handOff, cancellationToken);
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
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The owner withdrew the message (a purchase, a cancellation) before it reached the relay.
            return new DeliveryResult(DeliveryOutcome.TransientFailure, "withdrawn");
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
