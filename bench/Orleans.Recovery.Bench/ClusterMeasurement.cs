using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;

namespace Orleans.Recovery.Bench;

/// <summary>
/// cluster: what more silos buy. 1, 2 and 4 silo processes share one CPU set, so the CPU they may use is the same
/// whatever their number; the API (their Orleans client), PostgreSQL and the bench itself run on the other CPUs. The
/// same fixed rate of new carts is offered to each, every cart also one email a few seconds later, and the cost per
/// event is read in a window of steady state: CPU from /proc, statements from pg_stat_statements by kind, Orleans
/// messages from each silo's /metrics. One configuration then goes on under a silo killed and a rolling restart.
/// </summary>
public sealed class ClusterMeasurement(string repository, BenchMode mode, Func<string, Task<string>> newDatabase, Action<string> report)
{
    private const int MaxSmtpConnections = 4;
    private readonly ClusterLoad _load = mode.Cluster;

    public async Task<JsonObject> RunAsync()
    {
        var cpus = ProcessCpu.AllowedCpus();
        if (cpus.Count < 2)
        {
            throw new InvalidOperationException($"The cluster measurement needs 2 CPUs, one for the silos and one for the rest; this process may use {cpus.Count}.");
        }

        // The silos get one CPU whatever their number; everything else gets the others, so it never takes the silos' time.
        var siloCpus = cpus[^1].ToString(CultureInfo.InvariantCulture);
        var otherCpus = string.Join(',', cpus.SkipLast(1));
        var allCpus = string.Join(',', cpus);
        var databases = new Queue<string>(await Task.WhenAll(_load.Silos.Select(n => newDatabase($"bench_cluster{n}"))));
        var postmaster = await CpuPinning.OwnPostmasterAsync(databases.Peek());
        await using var smtp = CountingSmtpServer.Start(recordsMessages: true);
        var pinned = await CpuPinning.PinAsync(postmaster, otherCpus, report);
        var pinning = $"silos on CPU {siloCpus}; the API, the bench (load, SMTP server){(pinned ? " and PostgreSQL" : "")} on CPU {otherCpus}" +
                      (postmaster is null ? "; PostgreSQL is not the bench's own server and was not pinned" : pinned ? "" : "; PostgreSQL could not be pinned");
        report($"cluster: {pinning}; {_load.EventsPerSecond} new carts/s offered, first follow-up {_load.FirstStepDelay.TotalSeconds:F0} s after");
        try
        {
            var results = new JsonObject { ["pinning"] = pinning, ["offered_per_s"] = _load.EventsPerSecond };
            foreach (var silos in _load.Silos)
            {
                var (figures, failover) = await ConfigurationAsync(silos, databases.Dequeue(), smtp, siloCpus, otherCpus, postmaster);
                results[$"silos_{silos}"] = figures;
                if (failover is not null)
                {
                    results["failover"] = failover;
                }
            }

            return results;
        }
        finally
        {
            await CpuPinning.PinAsync(postmaster, allCpus, report);
            report($"cluster: {smtp.Count} emails in all; CPU affinity restored to {allCpus}");
        }
    }

    private async Task<(JsonObject Figures, JsonObject? Failover)> ConfigurationAsync(int silos, string database, CountingSmtpServer smtp, string siloCpus, string otherCpus, int? postmaster)
    {
        var starting = Stopwatch.StartNew();
        var nodes = await ClusterNodes.StartAsync(repository, database, silos, siloCpus, otherCpus, Settings(smtp.Port));
        var keepLogs = true;
        try
        {
            report($"cluster: {silos} silo(s) and the API ready in {starting.Elapsed.TotalSeconds:F0} s; logs in {nodes.Logs}");
            using var scraper = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            await using var load = new OpenLoopLoad(nodes.Api.Health, Product.StorefrontKey, _load.EventsPerSecond, $"c{silos}-{Guid.NewGuid():N}"[..12]);
            await Task.Delay(_load.WarmUp);
            var before = await CostSnapshot.TakeAsync(nodes, database, postmaster, scraper);
            await Task.Delay(_load.Window);
            var after = await CostSnapshot.TakeAsync(nodes, database, postmaster, scraper);
            var disturbance = silos == _load.FailoverSilos ? await new ClusterFailover(_load, report).DisturbAsync(nodes) : null;
            var puts = await load.StopAsync();
            var accepted = await MailedCarts.WaitAsync(smtp, puts.Where(p => p.Reported).Select(p => p.CartId).ToList(), _load.DeliveryTimeout);
            var inWindow = puts.Where(p => p.DueAt >= before.At && p.DueAt < after.At).Select(p => p.CartId).ToList();
            var delivery = await ClusterFailover.LatenessAsync(nodes.Api.Health, inWindow, accepted);
            var figures = Figures(silos, before, after, puts, delivery, smtp);
            var failover = disturbance is null ? null : await FailoverFiguresAsync(silos, disturbance, nodes, puts, accepted, smtp);
            // The logs of a run that refused a request stay, for the answer's cause; the others go.
            keepLogs = puts.Any(p => !p.Reported);
            return (figures, failover);
        }
        finally
        {
            await nodes.DisposeAsync(keepLogs);
        }
    }

    /// <summary>The cost per event of the window between two snapshots, and how late the window's carts were mailed (<c>delivery</c>, sorted).</summary>
    private JsonObject Figures(int silos, CostSnapshot before, CostSnapshot after, IReadOnlyList<CartPut> puts, List<double> delivery, CountingSmtpServer smtp)
    {
        var window = Stopwatch.GetElapsedTime(before.At, after.At);
        var measured = puts.Where(p => p.DueAt >= before.At && p.DueAt < after.At).ToList();

        // Inside a window of steady state the load is the product's normal path: a retried or refused request measures something else.
        if (measured.FirstOrDefault(p => !p.Reported || p.Attempts > 1) is { } failed)
        {
            throw new InvalidOperationException($"{silos} silo(s): PUT of {failed.CartId} answered {failed.Status} after {failed.Attempts} attempt(s) inside the measured window; the offered rate may be above what the silos take.");
        }

        double events = measured.Count;
        var latency = measured.Select(p => p.LatencyMs).Order().ToList();
        var deliveredInWindow = smtp.Messages.Count(m => m.At >= before.At && m.At < after.At);
        var cpu = after.Cpu - before.Cpu;
        var statements = StatementKinds.All.ToDictionary(kind => kind, kind => after.Statements[kind] - before.Statements[kind]);
        var messages = after.Messages - before.Messages;
        var figures = new JsonObject
        {
            ["silos"] = silos,
            ["events"] = events,
            ["window_s"] = Round(window.TotalSeconds),
            ["offered_per_s"] = _load.EventsPerSecond,
            ["achieved_per_s"] = Round(puts.Count(p => p.AnsweredAt >= before.At && p.AnsweredAt < after.At) / window.TotalSeconds),
            ["delivered_per_s"] = Round(deliveredInWindow / window.TotalSeconds),
            ["cpu_ms_per_event"] = Round((cpu.Silos + cpu.Api).TotalMilliseconds / events),
            ["silo_cpu_ms_per_event"] = Round(cpu.Silos.TotalMilliseconds / events),
            ["api_cpu_ms_per_event"] = Round(cpu.Api.TotalMilliseconds / events),
            ["silo_cpu_busy"] = Round(cpu.Silos / window),
            ["statements_per_event"] = Round(statements.Values.Sum() / events),
            ["statements_by_kind"] = new JsonObject(statements.Select(s => KeyValuePair.Create(s.Key, (JsonNode?)Round(s.Value / events)))),
            ["local_messages_per_event"] = Round(messages.Local / events),
            ["remote_messages_per_event"] = Round(messages.Remote / events),
            ["client_messages_per_event"] = Round((messages.ClientSent + messages.ClientReceived) / events),
            ["pings_per_event"] = Round(messages.Pings / events),
            ["directory_requests_per_event"] = Round(messages.Directory / events),
            ["p50_ms"] = Round(Measurements.Percentile(latency, 0.5)),
            ["p99_ms"] = Round(Measurements.Percentile(latency, 0.99)),
            ["max_ms"] = Round(latency[^1]),
            ["delivery_p50_ms"] = Round(Measurements.Percentile(delivery, 0.5)),
            ["delivery_p99_ms"] = Round(Measurements.Percentile(delivery, 0.99)),
            ["carts"] = puts.Count(p => p.Reported),
            ["lost"] = 0,
        };
        if (cpu.Database is { } database)
        {
            figures["db_cpu_ms_per_event"] = Round(database.TotalMilliseconds / events);
        }

        report($"cluster, {silos} silo(s): {events / window.TotalSeconds:F0} carts/s over {window.TotalSeconds:F0} s; {figures["cpu_ms_per_event"]} ms CPU per event " +
               $"(silos {figures["silo_cpu_ms_per_event"]}, their CPU {cpu.Silos / window:P0} busy; API {figures["api_cpu_ms_per_event"]}; database {figures["db_cpu_ms_per_event"]?.ToString() ?? "not measured"}); " +
               $"{figures["statements_per_event"]} statements per event ({string.Join(", ", statements.Select(s => $"{s.Key} {s.Value / events:F2}"))}); " +
               $"messages per event: {figures["local_messages_per_event"]} local, {figures["remote_messages_per_event"]} remote (of which requests: {figures["pings_per_event"]} pings, {figures["directory_requests_per_event"]} to the grain directory), {figures["client_messages_per_event"]} with the client; " +
               $"PUT p50 {figures["p50_ms"]} / p99 {figures["p99_ms"]} / max {figures["max_ms"]} ms; " +
               $"{figures["delivered_per_s"]} emails/s, late by p50 {figures["delivery_p50_ms"]} / p99 {figures["delivery_p99_ms"]} ms");
        return figures;
    }

    private async Task<JsonObject> FailoverFiguresAsync(int silos, Disturbance disturbance, ClusterNodes nodes, IReadOnlyList<CartPut> puts, IReadOnlyDictionary<string, DateTimeOffset> accepted, CountingSmtpServer smtp)
    {
        var during = puts.Where(p => p.DueAt >= disturbance.Start && p.DueAt < disturbance.End).ToList();
        // Every answer counts, a refusal too: the storefront waited for it all the same.
        var latency = during.Select(p => p.LatencyMs).Order().ToList();

        // The carts whose first step fell due while the silos were being disturbed: their reminders changed owner.
        var delay = (long)(_load.FirstStepDelay.TotalSeconds * Stopwatch.Frequency);
        var due = puts.Where(p => p.Reported && p.DueAt + delay >= disturbance.Start && p.DueAt + delay < disturbance.End).Select(p => p.CartId).ToList();
        var lateness = await ClusterFailover.LatenessAsync(nodes.Api.Health, due, accepted);
        if (lateness.Count == 0)
        {
            throw new InvalidOperationException("No cart fell due while the silos were disturbed: lengthen the failover pauses or raise the rate.");
        }

        var figures = new JsonObject
        {
            ["silos"] = silos,
            ["killed"] = 1,
            ["restarted"] = silos + 1,
            ["phase_s"] = Round(Stopwatch.GetElapsedTime(disturbance.Start, disturbance.End).TotalSeconds),
            ["rejoin_s"] = Round(disturbance.Rejoined.TotalSeconds),
            ["rolling_restart_s"] = Round(disturbance.Rolling.TotalSeconds),
            ["graceful_stop_max_s"] = Round(disturbance.LongestGracefulStopSeconds),
            ["forced_stops"] = disturbance.ForcedStops,
            ["carts"] = puts.Count(p => p.Reported),
            ["unreported"] = puts.Count(p => !p.Reported),
            ["retried_puts"] = during.Count(p => p.Attempts > 1),
            ["put_p99_ms"] = Round(Measurements.Percentile(latency, 0.99)),
            ["put_max_ms"] = Round(latency.DefaultIfEmpty(double.NaN).Last()),
            ["duplicates"] = MailedCarts.Duplicates(smtp),
            ["lost"] = 0,
            ["due_during"] = lateness.Count,
            ["lateness_p50_ms"] = Round(Measurements.Percentile(lateness, 0.5)),
            ["lateness_p99_ms"] = Round(Measurements.Percentile(lateness, 0.99)),
            ["lateness_max_ms"] = Round(lateness[^1]),
            ["late_over_1s"] = lateness.Count(ms => ms > 1000),
        };
        var refused = string.Join(", ", puts.Where(p => !p.Reported).GroupBy(p => (p.Status, p.Attempts)).Select(g => $"{g.Count()} answered {g.Key.Status} at attempt {g.Key.Attempts}"));
        report($"failover at {silos} silos: {figures["carts"]} carts reported ({figures["unreported"]} never answered 2xx{(refused.Length > 0 ? $": {refused}" : "")}; {figures["retried_puts"]} retried), none lost, " +
               $"{figures["duplicates"]} sent twice; {lateness.Count} due while disturbed were late by p50 {figures["lateness_p50_ms"]} / p99 {figures["lateness_p99_ms"]} / max {figures["lateness_max_ms"]} ms; " +
               $"{figures["late_over_1s"]} more than a second late; PUT p99 {figures["put_p99_ms"]} / max {figures["put_max_ms"]} ms meanwhile" +
               (refused.Length > 0 ? $"; the refusals are in {nodes.Logs}/api.log" : ""));
        return figures;
    }

    private Dictionary<string, string> Settings(int smtpPort) => new()
    {
        ["Recovery__Smtp__Host"] = "127.0.0.1",
        ["Recovery__Smtp__Port"] = smtpPort.ToString(CultureInfo.InvariantCulture),
        ["Recovery__Smtp__Security"] = "None",
        ["Recovery__Smtp__MaxConnections"] = MaxSmtpConnections.ToString(CultureInfo.InvariantCulture),
        ["Recovery__Flows__CartAbandonment__Steps__0__Delay"] = _load.FirstStepDelay.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture),
    };

    private static double Round(double value) => Math.Round(value, 2);
}
