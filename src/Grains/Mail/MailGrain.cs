using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using Orleans.Recovery.Customers;
using Orleans.Recovery.Feedback;
using Orleans.Recovery.FollowUps;

namespace Orleans.Recovery.Mail;

/// <summary>
/// Hands claimed messages to the relay on the grain scheduler, many at once: reentrant, since each waits on the relay
/// rather than on the processor, and local to its silo, since what it needs (the connection pool, the webhook client)
/// is the silo's own. The owner's promises are kept here: the owner and then the customer are asked last, right before
/// the relay, within the hand-off's budget; the outcome is reported to the owner, and a report the owner did not take
/// is given again (<see cref="UnsettledHandOffs"/>), so a delivered message is recorded sent rather than tried again.
/// </summary>
[StatelessWorker, Reentrant]
internal sealed partial class MailGrain(
    MailSender sender,
    AlertWebhook webhook,
    UnsettledHandOffs unsettled,
    ILogger<MailGrain> logger) : Grain, IMailGrain
{
    /// <summary>The reason a hand-off is withheld when its owner no longer owes it; the owner only logs it.</summary>
    public const string Withdrawn = "withdrawn";

    public async Task HandOverAsync(HandOverRequest request)
    {
        DeliveryResult result;
        try
        {
            result = request.Parcel switch
            {
                { Mail: { } mail } => await sender.DeliverAsync(mail, new HandOff(request.Within, cancellation => LastCheckAsync(request, cancellation))),
                { Alert: { } alert } => await SendAlertAsync(request, alert),
                _ => new DeliveryResult(DeliveryOutcome.Rejected, "empty parcel"),
            };
        }
        catch (Exception exception)
        {
            result = new DeliveryResult(DeliveryOutcome.TransientFailure, exception.GetType().Name);
        }

        await SettleAsync(request, result);
    }

    /// <summary>
    /// The owner first (it may have withdrawn the message), then the customer (a purchase, an unsubscribe, a
    /// suppression), both within what is left of the hand-off's budget: past it the claim may end and the owner try again.
    /// </summary>
    private async Task<string?> LastCheckAsync(HandOverRequest request, CancellationToken budget)
    {
        if (!await request.Owner.IsOwedAsync(request.MessageId, request.Attempt).WaitAsync(budget))
        {
            return Withdrawn;
        }

        return request is { Check: { } check, CustomerKey: { } customer }
            ? await GrainFactory.GetGrain<ICustomerGrain>(customer).ConfirmSendAsync(check).WaitAsync(budget)
            : null;
    }

    /// <summary>The shop's alert carries the customer's name and address: not sent once its order withdrew it (an erase).</summary>
    private async Task<DeliveryResult> SendAlertAsync(HandOverRequest request, Feedback.LowRatingAlert alert)
    {
        using var budget = new CancellationTokenSource(request.Within);
        return await request.Owner.IsOwedAsync(request.MessageId, request.Attempt).WaitAsync(budget.Token)
            ? await webhook.SendAsync(alert, budget.Token)
            : new DeliveryResult(DeliveryOutcome.Withheld, Withdrawn);
    }

    private async Task SettleAsync(HandOverRequest request, DeliveryResult result)
    {
        try
        {
            await request.Owner.SettleAsync(request.MessageId, request.Attempt, result);
        }
        catch (Exception exception)
        {
            // Lost on the way, or refused while the owner could not write: reported again until the owner takes it.
            unsettled.Park(request.Owner, request.MessageId, request.Attempt, result);
            LogSettleFailed(exception, request.MessageId, result.Outcome);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId}: its outcome ({Outcome}) could not be recorded; reported again shortly")]
    private partial void LogSettleFailed(Exception exception, string messageId, DeliveryOutcome outcome);
}
