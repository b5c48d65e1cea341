using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Recovery.Flows;
using Orleans.Recovery.Ledger;
using Orleans.Recovery.Telemetry;

namespace Orleans.Recovery.Hosting.Telemetry;

/// <summary>
/// <c>recovery.follow_ups.pending</c>: follow-ups planned and not yet decided, per flow, read from the ledger. The
/// ledger is the cluster's, so every host reports the same figure: aggregate it with max, not sum. It is read only
/// when metrics are collected, and at most once per <c>Recovery:Telemetry:PendingInterval</c>.
/// </summary>
internal sealed partial class PendingFollowUpsGauge(
    RecoveryMetrics metrics, IServiceProvider services, IOptions<TelemetryOptions> options, TimeProvider clock, ILogger<PendingFollowUpsGauge> logger) : IHostedService
{
    private IReadOnlyDictionary<string, long> _pending = new Dictionary<string, long>();
    private long _readAt;
    private bool _read;
    private int _reading;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        metrics.Meter.CreateObservableGauge("recovery.follow_ups.pending", Observe, "{message}", "Follow-ups planned and not yet sent, failed or skipped, across the cluster.");
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private IEnumerable<Measurement<long>> Observe()
    {
        if ((!Volatile.Read(ref _read) || clock.GetElapsedTime(Volatile.Read(ref _readAt)) >= options.Value.PendingInterval) && Interlocked.Exchange(ref _reading, 1) == 0)
        {
            _ = RefreshAsync();
        }

        // Every flow, zero included, so a flow whose last follow-up went out does not keep showing its last figure.
        var pending = _pending;
        return FlowNames.All.Select(flow => new Measurement<long>(pending.GetValueOrDefault(flow), new KeyValuePair<string, object?>("recovery.flow", flow)));
    }

    /// <summary>Off the collector's thread: this collection reports the last figure, the next one this.</summary>
    private async Task RefreshAsync()
    {
        try
        {
            if (services.GetService(typeof(PendingFollowUpsQuery)) is PendingFollowUpsQuery reports)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                _pending = await reports.PendingAsync(timeout.Token);
            }
        }
        catch (Exception exception)
        {
            LogUnreadable(exception);
        }
        finally
        {
            Volatile.Write(ref _readAt, clock.GetTimestamp());
            Volatile.Write(ref _read, true);
            Volatile.Write(ref _reading, 0);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The pending follow-ups gauge could not read the ledger; it keeps its last figure")]
    private partial void LogUnreadable(Exception exception);
}
