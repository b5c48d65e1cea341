using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Recovery.Mail;
using Orleans.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Reminders;
using Orleans.Recovery.FollowUps;

namespace Orleans.Recovery.Flows;

/// <summary>
/// One flow's definition. A change applies to every step not yet sent: carts and orders read the flow when they send,
/// and a change re-times the steps they wait for, so a shorter delay is kept too.
/// </summary>
public sealed partial class FlowGrain(
    [PersistentState("flow", RecoveryStorage.Name)] IPersistentState<FlowState> flow,
    IOptionsMonitor<FlowsOptions> configured,
    MailTemplates templates,
    PendingFollowUps pending,
    [FromKeyedServices(ReminderTimeProviderNames.Reminders)] TimeProvider clock,
    ILogger<FlowGrain> logger) : Grain, IFlowGrain, IRemindable
{
    /// <summary>Held while a re-timing sweep is owed, so one cut short by a stopping silo runs again.</summary>
    private const string RetimeReminder = "retime-pending";

    /// <summary>How long a watch lasts without renewal: a silo that stopped renewing is forgotten.</summary>
    private static readonly TimeSpan WatchLasts = TimeSpan.FromMinutes(3);

    private readonly Dictionary<IFlowObserver, DateTimeOffset> _watchers = [];
    private IGrainTimer? _retiming;
    private bool _changedDuringSweep;

    private string Name => this.GetPrimaryKeyString();

    public Task<FlowSettings> GetAsync() => Task.FromResult(Current);

    public Task<FlowSettings> WatchAsync(IFlowObserver observer)
    {
        var now = clock.GetUtcNow();
        _watchers[observer] = now + WatchLasts;
        foreach (var expired in _watchers.Where(pair => pair.Value < now).Select(pair => pair.Key).ToList())
        {
            _watchers.Remove(expired);
        }

        return Task.FromResult(Current);
    }

    private FlowSettings Current => (flow.State.Replacement is { } replacement
        ? new FlowSettings(Name, replacement, FlowSource.Operator, flow.State.ChangedAt)
        : new FlowSettings(Name, configured.CurrentValue.For(Name), FlowSource.Configuration, null)) with
    {
        Version = flow.State.CurrentVersion,
    };

    /// <summary>Tells every silo's cache first, so the sweep's grains and new carts alike run on the new definition.</summary>
    private void Announce()
    {
        var settings = Current;
        foreach (var watcher in _watchers.Keys)
        {
            try
            {
                watcher.Changed(settings);
            }
            catch (Exception exception)
            {
                // That silo's cache renews its watch within a minute and reads the definition then.
                LogAnnounceFailed(exception, Name);
            }
        }
    }

    public async Task<IReadOnlyList<FlowProblem>> ReplaceAsync(FlowDefinition definition)
    {
        var problems = FlowRules.Validate(Name, definition, templates.Exists);
        if (problems.Count > 0)
        {
            return problems;
        }

        flow.State.Replacement = definition;
        flow.State.Changed(clock.GetUtcNow());
        await flow.WriteStateAsync();
        LogReplaced(Name, definition.Steps.Count);
        Announce();
        await RetimePendingAsync();
        return [];
    }

    public async Task ResetAsync()
    {
        flow.State.Replacement = null;
        flow.State.Changed(clock.GetUtcNow());
        await flow.WriteStateAsync();
        LogReset(Name);
        Announce();
        await RetimePendingAsync();
    }

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (_retiming is null)
        {
            StartSweep();
        }

        return Task.CompletedTask;
    }

    private async Task RetimePendingAsync()
    {
        await this.RegisterOrUpdateReminder(RetimeReminder, FollowUpReminder.Tick, FollowUpReminder.Tick);
        if (_retiming is null)
        {
            StartSweep();
        }
        else
        {
            _changedDuringSweep = true;
        }
    }

    /// <summary>
    /// Runs the sweep off the call that changed the flow, interleaved so carts keep reading the flow meanwhile; it
    /// hands them the definition, so they never call back into this grain.
    /// </summary>
    private void StartSweep() => _retiming = this.RegisterGrainTimer(SweepAsync, new GrainTimerCreationOptions
    {
        DueTime = TimeSpan.Zero,
        Period = Timeout.InfiniteTimeSpan,
        Interleave = true,
        KeepAlive = true,
    });

    private async Task SweepAsync(CancellationToken cancellation)
    {
        do
        {
            _changedDuringSweep = false;
            var definition = (await GetAsync()).Definition;
            var (count, failed) = await pending.RetimeAsync(Name, definition, cancellation);
            LogRetimed(Name, count, failed);
        }
        while (_changedDuringSweep);

        // Grains that could not be reached re-time themselves when they next wake; sweeping again would not help them.
        _retiming?.Dispose();
        _retiming = null;
        await FollowUpReminder.UnregisterAsync(this, RetimeReminder);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Flow {Flow} replaced by the operator: {Steps} steps")]
    private partial void LogReplaced(string flow, int steps);

    [LoggerMessage(Level = LogLevel.Information, Message = "Flow {Flow}: {Pending} carts or orders with steps pending were re-timed ({Failed} unreachable)")]
    private partial void LogRetimed(string flow, int pending, int failed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Flow {Flow}: a silo's cache could not be told of the change; it reads it when it renews its watch")]
    private partial void LogAnnounceFailed(Exception exception, string flow);

    [LoggerMessage(Level = LogLevel.Information, Message = "Flow {Flow} reset to its configured definition")]
    private partial void LogReset(string flow);
}
