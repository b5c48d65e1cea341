using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Recovery.Flows;
using Orleans.Recovery.Mail;
using Orleans.Reminders;

namespace Orleans.Recovery.FollowUps;

/// <summary>
/// Outcomes whose report to their owner failed (lost on the way, or refused while the owner could not write). Each is
/// reported again every <see cref="RetryPeriod"/> of the business clock until the owner takes it, wherever the owner
/// is active by then; meanwhile an owner in this silo does not start the message again, so a delivered message is
/// recorded sent rather than tried again.
/// </summary>
public sealed partial class UnsettledHandOffs(
    [FromKeyedServices(ReminderTimeProviderNames.Reminders)] TimeProvider clock,
    ILogger<UnsettledHandOffs> logger) : BackgroundService
{
    public static readonly TimeSpan RetryPeriod = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<(GrainId Owner, string MessageId), Parked> _parked = new();

    public void Park(IFollowUpGrain owner, string messageId, int attempt, DeliveryResult result) =>
        _parked[(owner.GetGrainId(), messageId)] = new Parked(owner, attempt, result);

    /// <summary>Whether <paramref name="owner"/>'s message has an outcome waiting here to be reported.</summary>
    public bool IsParked(GrainId owner, string messageId) => _parked.ContainsKey((owner, messageId));

    /// <summary>Reports every parked outcome once more; each the owner takes leaves the list.</summary>
    public async Task ReportAgainAsync()
    {
        foreach (var ((owner, messageId), parked) in _parked.ToArray())
        {
            try
            {
                await parked.Owner.SettleAsync(messageId, parked.Attempt, parked.Result);
                _parked.TryRemove(new KeyValuePair<(GrainId, string), Parked>((owner, messageId), parked));
            }
            catch (Exception exception)
            {
                LogStillUnsettled(exception, messageId, parked.Result.Outcome);
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(RetryPeriod, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await ReportAgainAsync();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The silo stops: what is still parked is held by its claims, tried again once they end.
        }
    }

    private sealed record Parked(IFollowUpGrain Owner, int Attempt, DeliveryResult Result);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId}: its outcome ({Outcome}) is still not recorded; reported again shortly")]
    private partial void LogStillUnsettled(Exception exception, string messageId, DeliveryOutcome outcome);
}
