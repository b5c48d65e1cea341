using Microsoft.Extensions.Logging;
using Orleans.Recovery.Flows;
using Orleans.Recovery.Mail;

namespace Orleans.Recovery.FollowUps;

/// <summary>
/// The hand-offs one grain has under way. Each runs off the grain's scheduler, since the relay's pace is not the
/// grain's, and reports its outcome back as a call of the grain's own; the grain may withdraw it until the relay has
/// the message.
/// </summary>
internal sealed partial class HandOffs(ILogger logger)
{
    private readonly Dictionary<string, CancellationTokenSource> _running = [];

    public bool IsRunning(string messageId) => _running.ContainsKey(messageId);

    public void Start(IFollowUpGrain self, FollowUp message, Parcel parcel, HandOff terms)
    {
        var withdrawn = new CancellationTokenSource();
        _running[message.MessageId] = withdrawn;
        var (messageId, attempt) = (message.MessageId, message.Attempts);
        _ = Task.Run(async () =>
        {
            DeliveryResult result;
            try
            {
                result = await parcel.DeliverAsync(terms, withdrawn.Token);
            }
            catch (Exception exception)
            {
                result = new DeliveryResult(DeliveryOutcome.TransientFailure, exception.GetType().Name);
            }

            try
            {
                await self.SettleAsync(messageId, attempt, result);
            }
            catch (Exception exception)
            {
                // Not lost: the claim holds the message in the outbox, and it is tried again once its hand-off surely ended.
                LogSettleFailed(exception, messageId, result.Outcome);
            }
        });
    }

    /// <summary>Stops a hand-off still waiting for a connection or its last check. One the relay already has is logged when it settles.</summary>
    public async Task WithdrawAsync(string messageId)
    {
        if (_running.TryGetValue(messageId, out var withdrawn))
        {
            await withdrawn.CancelAsync();
        }
    }

    public async Task WithdrawAllAsync()
    {
        foreach (var messageId in _running.Keys.ToList())
        {
            await WithdrawAsync(messageId);
        }
    }

    public void Ended(string messageId)
    {
        if (_running.Remove(messageId, out var withdrawn))
        {
            withdrawn.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId}: its outcome ({Outcome}) could not be recorded; it is tried again once its hand-off surely ended")]
    private partial void LogSettleFailed(Exception exception, string messageId, DeliveryOutcome outcome);
}
