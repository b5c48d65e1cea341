using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Recovery.Retention;
using Polly;
using Polly.Retry;

namespace Orleans.Recovery.Hosting.Retention;

/// <summary>
/// Arms the daily retention sweep once the silo is active, and keeps trying in the background until it holds.
/// </summary>
/// <remarks>
/// This used to be a startup task, and a startup task that throws stops its silo. Orleans' reminder service reads its
/// range only after the silo turns Active, and the sweep's reminder may belong to a silo that is itself still joining
/// or already gone; in that window the registration fails ("Reminder Service is still initializing"). When several
/// silos started together on a busy machine, a healthy silo could stop itself over a sweep that runs once a day, and
/// die before it left the membership table, so the next silo to join waited for it in vain. Every silo arms the sweep
/// and arming it again changes nothing, so a late arming loses nothing.
/// </remarks>
internal sealed partial class RetentionSweepArming : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    private readonly Func<Task> _arm;
    private readonly ResiliencePipeline _retry;
    private readonly ILogger<RetentionSweepArming> _logger;
    private readonly CancellationTokenSource _stopping = new();
    private Task _arming = Task.CompletedTask;

    public RetentionSweepArming(Func<Task> arm, TimeProvider time, ILogger<RetentionSweepArming> logger)
    {
        _arm = arm;
        _logger = logger;
        _retry = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(exception => !_stopping.IsCancellationRequested),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = FirstRetryDelay,
                MaxDelay = LongestRetryDelay,
                OnRetry = retry =>
                {
                    LogRetrying(retry.AttemptNumber + 1, retry.RetryDelay, retry.Outcome.Exception!);
                    return default;
                },
            })
            .Build();
    }

    public static readonly TimeSpan FirstRetryDelay = TimeSpan.FromSeconds(2);

    public static readonly TimeSpan LongestRetryDelay = TimeSpan.FromMinutes(1);

    /// <summary>Whether the sweep is armed; false while the silo is still trying or after it stopped trying.</summary>
    public bool IsArmed { get; private set; }

    /// <summary>The background attempts, for tests and for the silo's stop.</summary>
    public Task Arming => _arming;

    /// <summary>
    /// Waits between attempts on the wall clock (the host's unkeyed <see cref="TimeProvider"/>), not the shop's: the
    /// reminder service gets ready in real time, and a test that stops the shop's clock must not stop the silo from
    /// arming the sweep.
    /// </summary>
    public static RetentionSweepArming Create(IServiceProvider services) => new(
        () => services.GetRequiredService<IGrainFactory>().GetGrain<IRetentionGrain>(RetentionGrain.Key).StartAsync(),
        services.GetRequiredService<TimeProvider>(),
        services.GetRequiredService<ILogger<RetentionSweepArming>>());

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(RetentionSweepArming), ServiceLifecycleStage.Active, StartAsync, StopAsync);

    /// <summary>Starts arming and returns at once: the silo's start does not wait for it.</summary>
    public Task StartAsync(CancellationToken _)
    {
        _arming = Task.Run(ArmAsync);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Ends the attempts. An attempt in flight (a grain call that cannot be cancelled) is waited for only as long as the
    /// silo's stop allows; it ends on its own, and nothing waits for its answer.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        try
        {
            await _arming.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    public void Dispose() => _stopping.Dispose();

    private async Task ArmAsync()
    {
        try
        {
            await _retry.ExecuteAsync(async _ => await _arm(), _stopping.Token);
            IsArmed = true;
        }
        catch (Exception exception) when (_stopping.IsCancellationRequested)
        {
            LogGaveUpOnStop(exception.GetType().Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not arm the daily retention sweep yet (attempt {Attempt}); trying again in {Delay}. The silo runs on meanwhile")]
    private partial void LogRetrying(int attempt, TimeSpan delay, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "The silo stopped before the retention sweep was armed ({Reason}); another silo, or this one's next start, arms it")]
    private partial void LogGaveUpOnStop(string reason);
}
