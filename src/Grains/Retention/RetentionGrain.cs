using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Reminders;

namespace Orleans.Recovery.Retention;

/// <summary>Sweeps grain storage once a day for what <c>Recovery:Retention:After</c> says may no longer be kept.</summary>
public interface IRetentionGrain : IGrainWithStringKey
{
    /// <summary>Arms the daily sweep; called by every silo as it starts, harmlessly more than once.</summary>
    Task StartAsync();

    /// <summary>Sweeps now; returns how many grains forgot themselves and how many retired rows were deleted.</summary>
    Task<RetentionSweep> SweepAsync();
}

[GenerateSerializer, Immutable, Alias("retention-sweep")]
public sealed record RetentionSweep([property: Id(0)] int Asked, [property: Id(1)] int Forgotten, [property: Id(2)] int RetiredRowsDeleted);

/// <summary>
/// The one sweeper, keyed "retention". Storage says which carts, orders and coupons have not changed for the retention
/// period; each grain then decides for itself, by its own facts, whether it is finished and may forget them.
/// </summary>
public sealed partial class RetentionGrain(
    IStoredGrains stored,
    IOptionsMonitor<RetentionOptions> options,
    [FromKeyedServices(ReminderTimeProviderNames.Reminders)] TimeProvider clock,
    ILogger<RetentionGrain> logger) : Grain, IRetentionGrain, IRemindable
{
    public const string Key = "retention";
    private const string ReminderName = "retention-sweep";
    private const int Parallelism = 8;

    private IGrainTimer? _sweeping;

    public async Task StartAsync()
    {
        if (await this.GetReminder(ReminderName) is null)
        {
            await this.RegisterOrUpdateReminder(ReminderName, TimeSpan.FromMinutes(5), TimeSpan.FromDays(1));
        }
    }

    public async Task<RetentionSweep> SweepAsync()
    {
        var cutoff = clock.GetUtcNow() - options.CurrentValue.After;
        var (asked, forgotten) = (0, 0);
        await Parallel.ForEachAsync(stored.UnchangedSinceAsync(cutoff, CancellationToken.None), new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, async (grain, _) =>
        {
            Interlocked.Increment(ref asked);
            try
            {
                if (await GrainFactory.GetGrain<IRetainedGrain>(GrainId.Create(grain.Type, grain.Key)).ForgetIfRetiredAsync())
                {
                    Interlocked.Increment(ref forgotten);
                }
            }
            catch (Exception exception)
            {
                // Tomorrow's sweep asks it again.
                LogForgetFailed(exception, grain.Type);
            }
        });
        var deleted = await stored.DeleteRetiredAsync(cutoff, CancellationToken.None);
        LogSwept(asked, forgotten, deleted, cutoff);
        return new RetentionSweep(asked, forgotten, deleted);
    }

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        // Off the reminder's call, which would time out on a large sweep; kept alive until it ends.
        _sweeping ??= this.RegisterGrainTimer(async () =>
        {
            try
            {
                await SweepAsync();
            }
            finally
            {
                _sweeping?.Dispose();
                _sweeping = null;
            }
        }, new GrainTimerCreationOptions { DueTime = TimeSpan.Zero, Period = Timeout.InfiniteTimeSpan, KeepAlive = true });
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Retention: {Asked} grains unchanged since {Cutoff} asked, {Forgotten} forgotten, {Deleted} retired rows deleted")]
    private partial void LogSwept(int asked, int forgotten, int deleted, DateTimeOffset cutoff);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Retention: a {GrainType} could not be asked to forget itself; the next sweep asks again")]
    private partial void LogForgetFailed(Exception exception, string grainType);
}
