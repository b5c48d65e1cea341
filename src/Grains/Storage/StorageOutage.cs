using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Reminders;

namespace Orleans.Recovery.Storage;

/// <summary>
/// Logs a database outage once, with its reason, however many calls it refuses: a storefront retrying through an
/// eight-second failover makes hundreds of calls, and each would otherwise log the same stack. An outage ends once no
/// call has failed for <see cref="QuietAfter"/>; the next fault starts a new one and logs again.
/// </summary>
public sealed partial class StorageOutage([FromKeyedServices(ReminderTimeProviderNames.Reminders)] TimeProvider clock, ILogger<StorageOutage> logger)
{
    public static readonly TimeSpan QuietAfter = TimeSpan.FromMinutes(1);

    private readonly Lock _gate = new();
    private DateTimeOffset? _lastFault;
    private DateTimeOffset _startedAt;
    private int _refused;

    /// <summary>Calls refused in the outage under way; zero when there is none.</summary>
    public int Refused
    {
        get
        {
            lock (_gate)
            {
                return _lastFault is { } last && clock.GetUtcNow() - last <= QuietAfter ? _refused : 0;
            }
        }
    }

    /// <summary>A call was refused because the database failed, for <paramref name="reason"/>.</summary>
    public void Fault(string reason)
    {
        var now = clock.GetUtcNow();
        (int Refused, DateTimeOffset Since)? ended = null;
        lock (_gate)
        {
            if (_lastFault is { } last && now - last <= QuietAfter)
            {
                _lastFault = now;
                _refused++;
                return;
            }

            if (_lastFault is not null)
            {
                ended = (_refused, _startedAt);
            }

            _lastFault = now;
            _startedAt = now;
            _refused = 1;
        }

        if (ended is { } previous)
        {
            LogPreviousOutage(previous.Refused, previous.Since);
        }

        LogOutage(reason, QuietAfter);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The database is failing ({Reason}): calls that change something answer 503 with Retry-After and keep nothing until it is back. Further failures are not logged until none has come for {QuietAfter}")]
    private partial void LogOutage(string reason, TimeSpan quietAfter);

    [LoggerMessage(Level = LogLevel.Information, Message = "The previous database outage, from {Since}, refused {Refused} calls")]
    private partial void LogPreviousOutage(int refused, DateTimeOffset since);
}
