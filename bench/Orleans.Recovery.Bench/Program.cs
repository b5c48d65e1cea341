using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Orleans.Recovery.Bench;
using Orleans.Recovery.Testing;

// bench/run wraps this: it builds in Release, installs wrk and PostgreSQL when missing, and passes --repository.
var options = args.Select((value, index) => (value, index)).Where(a => a.value.StartsWith("--", StringComparison.Ordinal))
    .ToDictionary(a => a.value, a => a.index + 1 < args.Length && !args[a.index + 1].StartsWith("--", StringComparison.Ordinal) ? args[a.index + 1] : "");
var mode = BenchMode.Parse(options.GetValueOrDefault("--mode", "full"));
var repository = Path.GetFullPath(options.GetValueOrDefault("--repository", "."));
var output = Path.GetFullPath(options.GetValueOrDefault("--out", Path.Combine(repository, "bench", "results", "latest.json")));

void Report(string line) => Console.WriteLine($"[{DateTime.Now:HH:mm:ss}] {line}");

Report($"mode {mode.Name}: {mode.Duration.TotalSeconds} s per throughput run over {mode.Connections} connections, {mode.Pending} pending, {mode.DueTogether} due together");
await using var postgres = await PostgresServer.StartAsync();
// Npgsql's own default pool, not the test helper's small one: the product and the floor get what a shop's would.
async Task<string> NewDatabaseAsync(string prefix) =>
    new Npgsql.NpgsqlConnectionStringBuilder(await postgres.CreateDatabaseAsync(prefix)) { MaxPoolSize = 100, Timeout = 30 }.ConnectionString;
var measurements = new Measurements(repository, mode, NewDatabaseAsync, Report);

// --only NAME (api, ingest, embedded, schedule, delivery, reports, cluster, peer) runs one measurement, to profile it; its JSON then lacks the others' figures.
var only = options.GetValueOrDefault("--only");
bool Runs(string name) => only is null || only == name;
var api = Runs("api") ? await measurements.ApiAsync() : [];
var ingest = Runs("ingest") ? await measurements.IngestAsync() : [];
var embedded = Runs("embedded") ? await measurements.EmbeddedAsync() : [];
var schedule = Runs("schedule") ? await measurements.ScheduleAsync() : [];
var (lateness, delivery) = Runs("delivery") ? await measurements.DueTogetherAsync() : ([], []);
var reports = Runs("reports") ? await new ReportsMeasurement(repository, mode, NewDatabaseAsync, Report).StatsAsync() : [];
var cluster = Runs("cluster") ? await new ClusterMeasurement(repository, mode, NewDatabaseAsync, Report).RunAsync() : [];
var peer = Runs("peer") ? await PeerAsync() : [];
foreach (var (key, value) in lateness)
{
    schedule[key] = value;
}

var results = new JsonObject
{
    ["mode"] = mode.Name,
    ["measured_at"] = DateTimeOffset.UtcNow.ToString("u", CultureInfo.InvariantCulture),
    ["machine"] = new JsonObject
    {
        ["cores"] = Environment.ProcessorCount,
        ["memory_gib"] = Math.Round(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (double)(1L << 30), 1),
        ["os"] = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
        ["dotnet"] = Environment.Version.ToString(),
    },
    ["api"] = Section(api),
    ["ingest"] = Section(ingest),
    ["embedded"] = Section(embedded),
    ["schedule"] = Section(schedule),
    ["delivery"] = Section(delivery),
    ["reports"] = Section(reports),
    ["cluster"] = cluster,
    ["peer"] = new JsonObject { ["hangfire"] = Section(peer) },
};
Directory.CreateDirectory(Path.GetDirectoryName(output)!);
await File.WriteAllTextAsync(output, results.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

if (only is not null)
{
    Console.WriteLine($"JSON (--only {only}): {output}");
    return;
}

Console.WriteLine();
Console.WriteLine($"| figure | value | floor | ratio | goal |");
Console.WriteLine($"|---|---:|---:|---:|---|");
Console.WriteLine($"| API: cart snapshots/s, in-memory state | {api["events_per_s"]:F0} | {api["noop_per_s"]:F0} no-op/s | {api["ratio"]:F2} | >= 0.5 |");
Console.WriteLine($"| Ingest: cart snapshots/s, PostgreSQL | {ingest["events_per_s"]:F0} | {ingest["db_floor_per_s"]:F0} upserts/s | {ingest["ratio"]:F2} | >= 0.5 |");
Console.WriteLine($"| Embedded: cart snapshots/s, SQLite (slowest {embedded["latency_max_ms"]:F0} ms) | {embedded["events_per_s"]:F0} | {embedded["db_floor_per_s"]:F0} upserts/s | {embedded["ratio"]:F2} | >= 0.30, slowest <= 1000 ms |");
Console.WriteLine($"| Schedule: bytes per pending cart ({schedule["pending"]:F0} pending) | {schedule["bytes_per_pending"]:F0} | | | <= 2048 |");
Console.WriteLine($"| Schedule: lateness p50 / p99, ms ({mode.DueTogether} due in one minute) | {schedule["lateness_p50_ms"]:F0} / {schedule["lateness_p99_ms"]:F0} | | | p99 <= 2000 |");
Console.WriteLine($"| Peer: Hangfire schedule calls/s; lateness p50 / p99, ms, polling every {peer["polling_s"]:F0} s | {peer["schedule_per_s"]:F0}; {peer["lateness_p50_ms"]:F0} / {peer["lateness_p99_ms"]:F0} | | | |");
Console.WriteLine($"| Peer: Hangfire lateness p50 / p99, ms, polling every {peer["fastest_polling_s"]:F0} s and on NOTIFY | {peer["fastest_lateness_p50_ms"]:F0} / {peer["fastest_lateness_p99_ms"]:F0} | | | schedule p99 below it |");
Console.WriteLine($"| Delivery: emails/s to SMTP on loopback | {delivery["emails_per_s"]:F0} | {delivery["floor_per_s"]:F0} bare MailKit/s | {delivery["ratio"]:F2} | >= 0.5 |");
Console.WriteLine($"| Reports: GET /api/v1/stats for 30 days over {reports["messages"]:N0} ledger messages, ms | {reports["stats_ms"]:F1} | {reports["floor_ms"]:F1} ms count(*) | {reports["ratio"]:F2} | <= 1 |");
Console.WriteLine($"| Cluster: CPU ms / statements / remote messages per event, 1, 2, 4 silos sharing one core, {cluster["offered_per_s"]} carts/s | {ClusterFigures("cpu_ms_per_event")} / {ClusterFigures("statements_per_event")} / {ClusterFigures("remote_messages_per_event")} | | | flat from 2 silos |");
Console.WriteLine($"| Cluster: kill -9 and rolling restart, {cluster["failover"]?["silos"]} silos: duplicates, lost; lateness p99 / max, ms | {cluster["failover"]?["duplicates"]}, {cluster["failover"]?["lost"]}; {cluster["failover"]?["lateness_p99_ms"]} / {cluster["failover"]?["lateness_max_ms"]} | | | 0, 0 |");
Console.WriteLine();
Console.WriteLine($"JSON: {output}");

string ClusterFigures(string figure) => string.Join(", ", new[] { 1, 2, 4 }.Select(n => cluster[$"silos_{n}"]?[figure]?.ToString() ?? "-"));

// The peer last, so it never shares the machine with a measurement of the product.
async Task<Dictionary<string, double>> PeerAsync()
{
    var hangfire = new HangfirePeer(mode, NewDatabaseAsync, Report);
    var schedulePerSecond = await hangfire.SchedulePerSecondAsync();
    Report($"hangfire: {schedulePerSecond:F0} schedule calls/s over {mode.Connections} threads");
    await using var smtp = CountingSmtpServer.Start();
    var atDefault = await hangfire.LatenessAsync(HangfirePeer.Default, smtp.Port);
    var atFastest = await hangfire.LatenessAsync(HangfirePeer.Fastest, smtp.Port);
    return new()
    {
        ["schedule_per_s"] = schedulePerSecond,
        ["polling_s"] = HangfirePeer.Default.Schedule.TotalSeconds,
        ["lateness_p50_ms"] = Measurements.Percentile(atDefault, 0.5),
        ["lateness_p99_ms"] = Measurements.Percentile(atDefault, 0.99),
        ["fastest_polling_s"] = HangfirePeer.Fastest.Schedule.TotalSeconds,
        ["fastest_lateness_p50_ms"] = Measurements.Percentile(atFastest, 0.5),
        ["fastest_lateness_p99_ms"] = Measurements.Percentile(atFastest, 0.99),
    };
}

static JsonObject Section(Dictionary<string, double> figures) =>
    new(figures.Select(f => KeyValuePair.Create(f.Key, (JsonNode?)JsonValue.Create(Math.Round(f.Value, 2)))));
