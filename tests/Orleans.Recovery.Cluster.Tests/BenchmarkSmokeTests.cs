using System.Diagnostics;
using System.Text.Json;

namespace Orleans.Recovery.Cluster.Tests;

/// <summary>
/// bench/run in its smoke mode: tiny numbers, so the harness cannot rot unnoticed. It checks that every figure is
/// written, never how fast anything was: speeds are for bench/run itself, on a quiet machine.
/// </summary>
[Collection(PostgresCollection.Name)]
[Trait("Category", "Cluster")]
public sealed class BenchmarkSmokeTests
{
    private static readonly string[] Figures =
    [
        "api.events_per_s", "api.noop_per_s", "api.ratio", "api.floor_per_s", "api.floor_ratio",
        "ingest.events_per_s", "ingest.db_floor_per_s", "ingest.ratio", "ingest.statements_per_event", "ingest.peer_ratio",
        "embedded.events_per_s", "embedded.db_floor_per_s", "embedded.ratio", "embedded.latency_max_ms",
        "embedded.single_writer_floor_per_s", "embedded.single_writer_ratio",
        "schedule.pending", "schedule.bytes_per_pending", "schedule.lateness_p50_ms", "schedule.lateness_p99_ms", "schedule.lateness_p99_peer_ratio",
        "schedule.sent_lateness_p50_ms", "schedule.sent_lateness_p99_ms",
        "delivery.emails_per_s", "delivery.floor_per_s", "delivery.ratio", "delivery.statements_per_message", "delivery.peer_ratio",
        "reports.messages", "reports.stats_ms", "reports.floor_ms", "reports.ratio",
        // The durable burst (durable.schedule, durable.delivery) is left out of smoke runs: it is delivery's code on another server.
        "durable.server.fsync", "durable.server.synchronous_commit", "durable.server.throwaway",
        "durable.ingest.events_per_s", "durable.ingest.db_floor_per_s", "durable.ingest.ratio", "durable.ingest.statements_per_event",
        "cluster.offered_per_s",
        "cluster.silos_1.cpu_ms_per_event", "cluster.silos_1.statements_per_event", "cluster.silos_1.remote_messages_per_event", "cluster.silos_1.p99_ms",
        "cluster.silos_1.statements_by_kind.membership", "cluster.silos_1.delivery_p99_ms",
        "cluster.silos_2.cpu_ms_per_event", "cluster.silos_2.statements_per_event", "cluster.silos_2.remote_messages_per_event", "cluster.silos_2.p99_ms",
        "cluster.silos_2.statements_by_kind.membership", "cluster.silos_2.delivery_p99_ms",
        "cluster.failover.duplicates", "cluster.failover.lost", "cluster.failover.lateness_p50_ms", "cluster.failover.lateness_p99_ms", "cluster.failover.lateness_max_ms",
        "peer.hangfire.schedule_per_s", "peer.hangfire.polling_s", "peer.hangfire.lateness_p50_ms", "peer.hangfire.lateness_p99_ms", "peer.hangfire.emails_per_s",
        "peer.hangfire.fastest_polling_s", "peer.hangfire.fastest_lateness_p50_ms", "peer.hangfire.fastest_lateness_p99_ms", "peer.hangfire.fastest_emails_per_s",
    ];

    [Fact]
    public async Task TheSmokeRunWritesEveryFigureAsANumber()
    {
        var repository = Repository();
        var output = Path.Combine(Directory.CreateTempSubdirectory("recovery-bench-smoke-").FullName, "smoke.json");
        var start = new ProcessStartInfo("bash", [Path.Combine(repository, "bench", "run"), "--smoke", "--out", output])
        {
            WorkingDirectory = repository,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var run = Process.Start(start)!;
        var stdout = run.StandardOutput.ReadToEndAsync();
        var stderr = run.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        await run.WaitForExitAsync(timeout.Token);

        Assert.True(run.ExitCode == 0, $"bench/run --smoke exited with {run.ExitCode}:\n{await stdout}\n{await stderr}");
        using var results = JsonDocument.Parse(await File.ReadAllTextAsync(output));
        Assert.Equal("smoke", results.RootElement.GetProperty("mode").GetString());
        foreach (var figure in Figures)
        {
            var value = figure.Split('.').Aggregate(results.RootElement, (node, name) => node.GetProperty(name));
            Assert.True(value.ValueKind == JsonValueKind.Number && double.IsFinite(value.GetDouble()), $"{figure} is {value}");
        }
    }

    private static string Repository()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Orleans.Recovery.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("The tests run outside the repository.");
    }
}
