using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Reminders;

namespace Orleans.Recovery.Mail;

/// <summary>
/// Delivers one message at most once. The delivered mark is written right after the server accepts the message,
/// and the Message-ID header is derived from the message id, so even a crash in between lets receivers dedupe.
/// </summary>
public sealed partial class MailGrain(
    [PersistentState("mail", RecoveryStorage.Name)] IPersistentState<MailDeliveryState> delivery,
    [FromKeyedServices(ReminderTimeProviderNames.Reminders)] TimeProvider clock,
    IMailTransport transport,
    ILogger<MailGrain> logger) : Grain, IMailGrain
{
    public async Task<DeliveryResult> DeliverAsync(OutgoingMail mail)
    {
        if (delivery.State.DeliveredAt is not null)
        {
            return new DeliveryResult(DeliveryOutcome.AlreadyDelivered);
        }

        delivery.State.Attempts++;
        var result = await TrySendAsync(mail);
        if (result.Outcome == DeliveryOutcome.Delivered)
        {
            delivery.State.DeliveredAt = clock.GetUtcNow();
            delivery.State.LastFailure = null;
        }
        else
        {
            delivery.State.LastFailure = result.Detail;
        }

        await delivery.WriteStateAsync();
        return result;
    }

    private async Task<DeliveryResult> TrySendAsync(OutgoingMail mail)
    {
        var messageId = this.GetPrimaryKeyString();
        try
        {
            await transport.SendAsync(MimeMessages.From(mail), CancellationToken.None);
            LogDelivered(messageId, transport.Name);
            return new DeliveryResult(DeliveryOutcome.Delivered);
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
            LogRefused(messageId, code, outcome);
            return new DeliveryResult(outcome, $"smtp-{code}");
        }
        catch (Exception exception) when (exception is SmtpProtocolException or IOException or SocketException
            or ServiceNotConnectedException or TimeoutException or OperationCanceledException
            or MailKit.Security.AuthenticationException or System.Security.Authentication.AuthenticationException)
        {
            LogUnreachable(messageId, exception.GetType().Name, exception.Message);
            return new DeliveryResult(DeliveryOutcome.TransientFailure, exception.GetType().Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Message {MessageId} delivered via {Transport}")]
    private partial void LogDelivered(string messageId, string transport);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId} refused by the SMTP server with {StatusCode}: {Outcome}")]
    private partial void LogRefused(string messageId, int statusCode, DeliveryOutcome outcome);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId} not delivered, will retry: {ErrorKind} {Error}")]
    private partial void LogUnreachable(string messageId, string errorKind, string error);
}
