using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Orleans.Recovery.Mail;

/// <summary>
/// Readiness asks whether the relay is reachable; the answer is what the last session found, for
/// <see cref="MailCheckOptions.MailCheckInterval"/>, so a flood of probes opens at most one session.
/// Deliveries tell it what they saw, so while mail flows no probe opens a session at all.
/// </summary>
internal sealed partial class RelayProbe(SmtpConnectionPool pool, SmtpOptions options, IOptions<MailCheckOptions> checks, TimeProvider clock, ILogger logger)
{
    private readonly Lock _probing = new();
    private Observation? _lastSeen;
    private Task<bool>? _probe;

    public Task<bool> IsReachableAsync(CancellationToken cancellationToken)
    {
        if (_lastSeen is { } seen && clock.GetElapsedTime(seen.At) < checks.Value.MailCheckInterval)
        {
            return Task.FromResult(seen.Reachable);
        }

        // Probes that arrive together share one session.
        Task<bool> probe;
        lock (_probing)
        {
            if (_probe is null || _probe.IsCompleted)
            {
                // On the thread pool: the caller is a grain, and the probe must not run on one activation's scheduler.
                _probe = Task.Run(ProbeAsync);
            }

            probe = _probe;
        }

        return probe.WaitAsync(cancellationToken);
    }

    /// <summary>Records what the relay did at <paramref name="at"/>, unless something seen later is already known.</summary>
    public void Observe(bool reachable, long? at = null)
    {
        var observation = new Observation(reachable, at ?? clock.GetTimestamp());
        lock (_probing)
        {
            if (_lastSeen is null || _lastSeen.At <= observation.At)
            {
                _lastSeen = observation;
            }
        }
    }

    private async Task<bool> ProbeAsync()
    {
        // Not the caller's token: callers share this probe, and one giving up must not fail the others'.
        using var timeout = new CancellationTokenSource(options.Timeout);
        var started = clock.GetTimestamp();
        try
        {
            using var client = await pool.ConnectAsync(timeout.Token);
            await client.NoOpAsync(timeout.Token);
            await client.DisconnectAsync(quit: true, timeout.Token);
            Observe(reachable: true, started);
            return true;
        }
        catch (Exception exception)
        {
            LogUnreachable(pool.Relay, exception.GetType().Name, exception.Message);
            Observe(reachable: false, started);
            return false;
        }
    }

    private sealed record Observation(bool Reachable, long At);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The SMTP relay {Relay} did not answer the readiness probe: {Error}: {Detail}")]
    private partial void LogUnreachable(string relay, string error, string detail);
}
