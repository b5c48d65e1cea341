using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using Orleans.Recovery.Storage;

namespace Orleans.Recovery.Grains.Tests.Storage;

/// <summary>What the operator's log says of a database outage: once, with its reason, however many calls it refuses.</summary>
[Trait("Category", "Unit")]
public sealed class StorageOutageTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));
    private readonly FakeLogger<StorageOutage> _log = new();

    [Fact]
    public void AnOutageIsLoggedOnceWithItsReasonHoweverManyCallsItRefuses()
    {
        var outage = new StorageOutage(_clock, _log);

        for (var call = 0; call < 200; call++)
        {
            outage.Fault("PostgresException: 28000: role \"recovery\" is not permitted to log in");
            _clock.Advance(TimeSpan.FromMilliseconds(100));
        }

        var warning = Assert.Single(_log.Collector.GetSnapshot());
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("not permitted to log in", warning.Message);
        Assert.Equal(200, outage.Refused);
    }

    [Fact]
    public void TheNextOutageAfterAQuietMinuteIsLoggedAgainWithHowManyCallsTheLastOneRefused()
    {
        var outage = new StorageOutage(_clock, _log);
        for (var call = 0; call < 3; call++)
        {
            outage.Fault("PostgresException: 57P01: terminating connection due to administrator command");
        }

        _clock.Advance(StorageOutage.QuietAfter + TimeSpan.FromSeconds(1));
        Assert.Equal(0, outage.Refused);
        outage.Fault("SqliteException: SQLite Error 13: 'database or disk is full'.");

        var log = _log.Collector.GetSnapshot();
        Assert.Equal([LogLevel.Warning, LogLevel.Information, LogLevel.Warning], log.Select(record => record.Level));
        Assert.Contains("refused 3 calls", log[1].Message);
        Assert.Contains("disk is full", log[2].Message);
        Assert.Equal(1, outage.Refused);
    }
}
