using System.Collections.Concurrent;
using System.Net;
using Orleans.Recovery.Api.Links;

namespace Orleans.Recovery.Api.Auth;

/// <summary>
/// Wrong API keys per client (an IPv4 address, an IPv6 /64): past <see cref="FailuresPerMinute"/> in a minute, the
/// client's requests with a key are refused with 429 until the minute ends, the right key included, so guessing
/// learns nothing. Counted in each API process, as the other limits are.
/// </summary>
/// <remarks>The window is a real minute: <paramref name="time"/> is the host's clock, not the business clock the reminders run on.</remarks>
public sealed partial class FailedKeyLimiter(TimeProvider time, ILogger<FailedKeyLimiter> logger)
{
    public const int FailuresPerMinute = 20;

    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, Failures> _clients = new();

    /// <summary>When the client may try again, if it is blocked now; null otherwise.</summary>
    public TimeSpan? BlockedFor(IPAddress? address)
    {
        var now = time.GetUtcNow();
        return _clients.TryGetValue(LinkRateLimits.Client(address), out var failures) && failures.Count > FailuresPerMinute && failures.Since + Window > now
            ? failures.Since + Window - now
            : null;
    }

    /// <summary>Counts a wrong key; the first failure past the limit in a window is logged.</summary>
    public void Failed(IPAddress? address)
    {
        var client = LinkRateLimits.Client(address);
        var now = time.GetUtcNow();
        var counted = _clients.AddOrUpdate(client, _ => new Failures(now, 1), (_, failures) => failures.Since + Window <= now ? new Failures(now, 1) : failures with { Count = failures.Count + 1 });
        if (counted.Count == FailuresPerMinute + 1)
        {
            LogBlocked(client, FailuresPerMinute);
        }

        if (_clients.Count > 100_000)
        {
            // A flood from many addresses: forget the windows that ended, so the table stays bounded.
            foreach (var (key, failures) in _clients)
            {
                if (failures.Since + Window <= now)
                {
                    _clients.TryRemove(key, out _);
                }
            }
        }
    }

    private sealed record Failures(DateTimeOffset Since, int Count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Client {Client} sent more than {Limit} wrong API keys in a minute: its keyed requests are refused with 429 until the minute ends")]
    private partial void LogBlocked(string client, int limit);
}
