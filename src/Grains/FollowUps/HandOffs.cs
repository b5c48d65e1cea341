using System.Collections.Concurrent;
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

    // Outcomes whose report to the grain failed: written off the grain's scheduler, taken on its next turn.
    private readonly ConcurrentQueue<Outcome> _unsettled = new();

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
                // Kept for this activation's next tick, which settles it: while its id counts as running, the engine
                // would skip it. Should the activation go, its claim holds the message, tried again once surely ended.
                _unsettled.Enqueue(new Outcome(messageId, attempt, result));
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

    /// <summary>An outcome whose report failed, to settle on the grain's turn; false when there is none.</summary>
    public bool TryTakeUnsettled(out Outcome outcome) => _unsettled.TryDequeue(out outcome!);

    public void Ended(string messageId)
    {
        if (_running.Remove(messageId, out var withdrawn))
        {
            withdrawn.Dispose();
        }
    }

    public sealed record Outcome(string MessageId, int Attempt, DeliveryResult Result);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId}: its outcome ({Outcome}) could not be recorded; the grain's next tick records it")]
    private partial void LogSettleFailed(Exception exception, string messageId, DeliveryOutcome outcome);
}
