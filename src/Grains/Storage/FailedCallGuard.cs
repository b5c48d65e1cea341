using Microsoft.Extensions.Logging;

namespace Orleans.Recovery.Storage;

/// <summary>
/// Every call into one of the engine's grains, reminder ticks and timer callbacks included: when it fails, the
/// activation goes, so the next call reloads what storage holds. A grain changes its state in memory before it writes
/// it; without this, a write that failed would leave the change in memory, and a retry would find it "already done"
/// and store nothing. A database fault reaches the caller as a <see cref="StorageUnavailableException"/>, which the
/// API answers with 503 and Retry-After.
/// </summary>
public sealed partial class FailedCallGuard(StorageOutage outage, ILogger<FailedCallGuard> logger) : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        if (!Guards(context.Grain))
        {
            await context.Invoke();
            return;
        }

        try
        {
            await context.Invoke();
        }
        catch (Exception exception)
        {
            // Without the exception as the reason: Orleans would answer the calls already waiting with it, where they
            // should go on to the next activation.
            context.TargetContext.Deactivate(new DeactivationReason(DeactivationReasonCode.ApplicationRequested, "A call failed; the state is read again from storage"));
            LogDeactivated(context.TargetContext.GrainId.Type.ToString(), context.ImplementationMethod?.Name, exception.GetType().Name);
            if (exception is not StorageUnavailableException && StorageFaults.Describe(exception) is { } reason)
            {
                outage.Fault(reason);
                throw new StorageUnavailableException(reason);
            }

            throw;
        }
    }

    /// <summary>The engine's own grains; Orleans' and the dashboard's keep their own rules.</summary>
    public static bool Guards(object? grain) => grain?.GetType().Assembly == typeof(FailedCallGuard).Assembly;

    [LoggerMessage(Level = LogLevel.Debug, Message = "A {GrainType} activation is dropped after {Method} failed ({Error}); its next call reads its state again")]
    private partial void LogDeactivated(string grainType, string? method, string error);
}
