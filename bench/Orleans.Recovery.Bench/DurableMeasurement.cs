using Orleans.Recovery.Testing;

namespace Orleans.Recovery.Bench;

/// <summary>
/// The production-like run: ingest and the due-together burst again, each beside its floor, on a PostgreSQL server that
/// keeps every commit (<c>fsync</c> and <c>synchronous_commit</c> on), where the others run on one that keeps none. A
/// throwaway server is started for it whenever PostgreSQL's binaries are installed; otherwise the configured server
/// (<c>RECOVERY_TEST_POSTGRES</c>) is used as it is, and the <c>server</c> figures say how it was set.
/// </summary>
public sealed class DurableMeasurement(string repository, BenchMode mode, Action<string> report)
{
    /// <summary>The figures by section: <c>server</c>, <c>ingest</c>, and outside smoke mode <c>schedule</c> (lateness) and <c>delivery</c>.</summary>
    public async Task<Dictionary<string, Dictionary<string, double>>> RunAsync()
    {
        await using var server = await PostgresServer.StartAsync(PostgresDurability.Durable);
        var fsync = await server.ScalarAsync("SELECT (current_setting('fsync') = 'on')::int /* bench */");
        // Every value but off makes a commit wait for its WAL on the local disk at least.
        var synchronousCommit = await server.ScalarAsync("SELECT (current_setting('synchronous_commit') <> 'off')::int /* bench */");
        var settings = $"fsync={(fsync == 1 ? "on" : "off")}, synchronous_commit={(synchronousCommit == 1 ? "on" : "off")}";
        report(server.IsThrowaway
            ? $"durable: a throwaway PostgreSQL server with {settings}"
            : $"durable: no PostgreSQL binaries to start a durable server, so these figures ran on {PostgresServer.EnvironmentVariable}'s server as it is configured: {settings}");

        var figures = new Dictionary<string, Dictionary<string, double>>
        {
            ["server"] = new() { ["fsync"] = fsync, ["synchronous_commit"] = synchronousCommit, ["throwaway"] = server.IsThrowaway ? 1 : 0 },
        };
        var measurements = new Measurements(repository, mode, prefix => BenchDatabases.CreateAsync(server, prefix), line => report($"durable {line}"));
        figures["ingest"] = await measurements.IngestAsync();
        if (mode == BenchMode.Smoke)
        {
            // The burst is the delivery measurement's own code on another server, and most of its time is the wait for
            // quiet hours to end: the test suite's smoke run checks the durable server and its plumbing with ingest alone.
            report("durable: the due-together burst is left out of smoke runs");
            return figures;
        }

        var (lateness, delivery) = await measurements.DueTogetherAsync();
        figures["schedule"] = lateness;
        figures["delivery"] = delivery;
        return figures;
    }
}
