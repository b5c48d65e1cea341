using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Npgsql;

namespace Orleans.Recovery.Bench;

/// <summary>The four measurements, each a figure of the product beside its floor measured in the same run.</summary>
public sealed class Measurements(string repository, BenchMode mode, Func<string, Task<string>> newDatabase, Action<string> report)
{
    private const int MaxSmtpConnections = 4;

    private string Prefix(string what) => $"{what}-{Guid.NewGuid():N}"[..(what.Length + 9)];

    /// <summary>
    /// api: cart snapshots per second with in-memory state, beside a no-op endpoint of the same app, and beside the
    /// same PUT without Orleans in a process of its own, started once the product's has stopped.
    /// </summary>
    public async Task<Dictionary<string, double>> ApiAsync()
    {
        var script = Path.Combine(AppContext.BaseDirectory, "cart-snapshots.lua");
        double noop, events;
        await using (var product = await Product.StartAsync(repository, new Dictionary<string, string> { ["Recovery__Storage"] = "Memory" }))
        {
            await WarmUpAsync(product);
            noop = await Wrk.RequestsPerSecondAsync(new Uri(product.BaseAddress, "/health/live"), mode);
            events = await Wrk.RequestsPerSecondAsync(product.BaseAddress, mode, script, Product.StorefrontKey, Prefix("api"));
        }

        double floor;
        await using (var apiFloor = await ApiFloor.StartAsync(repository))
        {
            using (var client = apiFloor.Client(Product.StorefrontKey))
            {
                await WarmUpAsync(client);
            }

            floor = await Wrk.RequestsPerSecondAsync(apiFloor.BaseAddress, mode, script, Product.StorefrontKey, Prefix("floor"));
        }

        report($"api: {events:F0} cart snapshots/s, no-op {noop:F0}/s, the same PUT without Orleans {floor:F0}/s");
        return new() { ["events_per_s"] = events, ["noop_per_s"] = noop, ["ratio"] = events / noop, ["floor_per_s"] = floor, ["floor_ratio"] = events / floor };
    }

    /// <summary>ingest: the same with durable PostgreSQL state and reminders, beside the same rows written straight with Npgsql.</summary>
    public async Task<Dictionary<string, double>> IngestAsync()
    {
        var database = await newDatabase("bench_ingest");
        double events;
        double statements;
        await using (var product = await Product.StartAsync(repository, PostgresSettings(database)))
        {
            var script = Path.Combine(AppContext.BaseDirectory, "cart-snapshots.lua");
            await WarmUpAsync(product);
            var before = await StatementCounts.TakeAsync(database);
            events = await Wrk.RequestsPerSecondAsync(product.BaseAddress, mode, script, Product.StorefrontKey, Prefix("ingest"));
            var after = await StatementCounts.TakeAsync(database);
            var carts = after.Carts - before.Carts;
            statements = (double)(after.Total - before.Total) / carts;
            report($"ingest: statements per new cart, by statement:{Environment.NewLine}{StatementCounts.Describe(after.Since(before, carts))}");
        }

        var floor = await DatabaseFloorAsync(database);
        report($"ingest: {events:F0} cart snapshots/s on PostgreSQL, floor {floor:F0} state+reminder upserts/s; {statements:F2} statements per new cart");
        return new() { ["events_per_s"] = events, ["db_floor_per_s"] = floor, ["ratio"] = events / floor, ["statements_per_event"] = statements };
    }

    /// <summary>
    /// embedded: the same load against the product on its embedded default, a SQLite file as <c>dotnet run</c> makes
    /// it, beside the same rows written straight to that file with the product's schema and journal settings, from as
    /// many writers racing for its lock, and then from one writer alone.
    /// </summary>
    public async Task<Dictionary<string, double>> EmbeddedAsync()
    {
        var directory = Directory.CreateTempSubdirectory("recovery-embedded-").FullName;
        try
        {
            var file = Path.Combine(directory, "recovery.db");
            WrkResult run;
            await using (var product = await Product.StartAsync(repository, new Dictionary<string, string>
            {
                ["Recovery__Storage"] = "Sqlite",
                ["ConnectionStrings__Recovery"] = $"Data Source={file}",
            }))
            {
                await WarmUpAsync(product);
                run = await Wrk.RunAsync(product.BaseAddress, mode, tolerateTimeouts: true, Path.Combine(AppContext.BaseDirectory, "cart-snapshots.lua"), Product.StorefrontKey, Prefix("embedded"));
            }

            var floor = await SqliteFloorAsync(file, firstWriter: 0, writers: mode.Connections);
            // Writers numbered after the racing ones: their keys are new rows too, not updates of rows already there.
            var singleWriter = await SqliteFloorAsync(file, firstWriter: mode.Connections, writers: 1);
            report($"embedded: {run.RequestsPerSecond:F0} cart snapshots/s on SQLite, slowest {run.MaxLatencyMs:F0} ms, {run.Timeouts} timed out; " +
                   $"floor {floor:F0} state+reminder upserts/s from {mode.Connections} writers, {singleWriter:F0}/s from one");
            return new()
            {
                ["events_per_s"] = run.RequestsPerSecond,
                ["db_floor_per_s"] = floor,
                ["ratio"] = run.RequestsPerSecond / floor,
                ["latency_max_ms"] = run.MaxLatencyMs,
                ["timeouts"] = run.Timeouts,
                ["single_writer_floor_per_s"] = singleWriter,
                ["single_writer_ratio"] = run.RequestsPerSecond / singleWriter,
            };
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>
    /// The product's own SQLite statements for a state upsert and a reminder upsert, prepared, each writer on a
    /// connection of its own in a loop for the run's duration: one per wrk connection, or one alone.
    /// </summary>
    private async Task<double> SqliteFloorAsync(string file, int firstWriter, int writers)
    {
        var connectionString = $"Data Source={file}";
        string writeState, upsertReminder;
        byte[] payload;
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection(connectionString))
        {
            await connection.OpenAsync();
            writeState = await SqliteScalarAsync<string>(connection, "SELECT QueryText FROM OrleansQuery WHERE QueryKey = 'WriteToStorageKey'");
            upsertReminder = await SqliteScalarAsync<string>(connection, "SELECT QueryText FROM OrleansQuery WHERE QueryKey = 'UpsertReminderRowKey'");
            payload = await SqliteScalarAsync<byte[]>(connection, "SELECT PayloadBinary FROM OrleansStorage WHERE GrainTypeString = 'cart' AND PayloadBinary IS NOT NULL LIMIT 1");
        }

        var stop = Stopwatch.StartNew();
        var counts = await Task.WhenAll(Enumerable.Range(firstWriter, writers).Select(worker => Task.Run(async () =>
        {
            await using var connection = new Microsoft.Data.Sqlite.SqliteConnection(connectionString);
            await connection.OpenAsync();
            await using var state = connection.CreateCommand();
            state.CommandText = writeState;
            state.Parameters.AddWithValue("@GrainIdHash", 0);
            state.Parameters.AddWithValue("@GrainIdN0", 0L);
            state.Parameters.AddWithValue("@GrainIdN1", 0L);
            state.Parameters.AddWithValue("@GrainTypeHash", 42);
            state.Parameters.AddWithValue("@GrainTypeString", "cart");
            state.Parameters.AddWithValue("@GrainIdExtensionString", "");
            state.Parameters.AddWithValue("@ServiceId", "floor");
            state.Parameters.AddWithValue("@PayloadBinary", payload);
            state.Parameters.AddWithValue("@GrainStateVersion", DBNull.Value);
            await using var reminder = connection.CreateCommand();
            reminder.CommandText = upsertReminder;
            reminder.Parameters.AddWithValue("@ServiceId", "floor");
            reminder.Parameters.AddWithValue("@GrainId", "");
            reminder.Parameters.AddWithValue("@ReminderName", "follow-up");
            reminder.Parameters.AddWithValue("@StartTime", DateTime.UtcNow);
            reminder.Parameters.AddWithValue("@Period", 60_000L);
            reminder.Parameters.AddWithValue("@GrainHash", 0);
            state.Prepare();
            reminder.Prepare();
            var written = 0;
            while (stop.Elapsed < mode.Duration)
            {
                var key = (long)worker << 32 | (uint)written;
                state.Parameters["@GrainIdHash"].Value = key.GetHashCode();
                state.Parameters["@GrainIdN1"].Value = key;
                await state.ExecuteNonQueryAsync();
                reminder.Parameters["@GrainId"].Value = $"cart/floor-{key}";
                reminder.Parameters["@StartTime"].Value = DateTime.UtcNow.AddHours(1);
                reminder.Parameters["@GrainHash"].Value = key.GetHashCode();
                await reminder.ExecuteNonQueryAsync();
                written++;
            }

            return written;
        })));
        return counts.Sum() / stop.Elapsed.TotalSeconds;
    }

    private static async Task<T> SqliteScalarAsync<T>(Microsoft.Data.Sqlite.SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (T)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>
    /// The physical floor of an event's durable writes: the product's own stored queries for a state upsert and a
    /// reminder upsert, prepared, over as many connections as the load generator holds, with a real cart's payload.
    /// </summary>
    private async Task<double> DatabaseFloorAsync(string database)
    {
        await using var source = NpgsqlDataSource.Create(database);
        string writeState, upsertReminder;
        byte[] payload;
        await using (var connection = await source.OpenConnectionAsync())
        {
            writeState = await ScalarAsync<string>(connection, "SELECT QueryText FROM OrleansQuery WHERE QueryKey = 'WriteToStorageKey'");
            upsertReminder = await ScalarAsync<string>(connection, "SELECT QueryText FROM OrleansQuery WHERE QueryKey = 'UpsertReminderRowKey'");
            payload = await ScalarAsync<byte[]>(connection, "SELECT PayloadBinary FROM OrleansStorage WHERE GrainTypeString = 'cart' AND PayloadBinary IS NOT NULL LIMIT 1");
        }

        var stop = Stopwatch.StartNew();
        var counts = await Task.WhenAll(Enumerable.Range(0, mode.Connections).Select(async worker =>
        {
            await using var connection = await source.OpenConnectionAsync();
            await using var state = new NpgsqlCommand(writeState, connection);
            state.Parameters.Add(new NpgsqlParameter<int>("GrainIdHash", 0));
            state.Parameters.Add(new NpgsqlParameter<long>("GrainIdN0", 0L));
            state.Parameters.Add(new NpgsqlParameter<long>("GrainIdN1", 0L));
            state.Parameters.Add(new NpgsqlParameter("GrainTypeHash", 42));
            state.Parameters.Add(new NpgsqlParameter("GrainTypeString", "cart"));
            state.Parameters.Add(new NpgsqlParameter("GrainIdExtensionString", ""));
            state.Parameters.Add(new NpgsqlParameter("ServiceId", "floor"));
            state.Parameters.Add(new NpgsqlParameter("PayloadBinary", payload));
            state.Parameters.Add(new NpgsqlParameter("GrainStateVersion", NpgsqlTypes.NpgsqlDbType.Integer) { Value = DBNull.Value });
            await using var reminder = new NpgsqlCommand(upsertReminder, connection);
            reminder.Parameters.Add(new NpgsqlParameter("ServiceId", "floor"));
            reminder.Parameters.Add(new NpgsqlParameter("GrainId", ""));
            reminder.Parameters.Add(new NpgsqlParameter("ReminderName", "follow-up"));
            reminder.Parameters.Add(new NpgsqlParameter("StartTime", DateTime.UtcNow));
            reminder.Parameters.Add(new NpgsqlParameter<long>("Period", 60_000L));
            reminder.Parameters.Add(new NpgsqlParameter<int>("GrainHash", 0));
            await state.PrepareAsync();
            await reminder.PrepareAsync();
            var written = 0;
            while (stop.Elapsed < mode.Duration)
            {
                var key = (long)worker << 32 | (uint)written;
                state.Parameters["GrainIdHash"].Value = key.GetHashCode();
                state.Parameters["GrainIdN1"].Value = key;
                await state.ExecuteNonQueryAsync();
                reminder.Parameters["GrainId"].Value = $"cart/floor-{key}";
                reminder.Parameters["StartTime"].Value = DateTime.UtcNow.AddHours(1);
                reminder.Parameters["GrainHash"].Value = key.GetHashCode();
                await reminder.ExecuteNonQueryAsync();
                written++;
            }

            return written;
        }));
        return counts.Sum() / stop.Elapsed.TotalSeconds;
    }

    /// <summary>
    /// schedule: silo memory per pending cart once its grain is deactivated, above the silo's own; then how late
    /// follow-ups reach the mail grain when many fall due in the same minute, and how fast they are delivered.
    /// </summary>
    public async Task<Dictionary<string, double>> ScheduleAsync()
    {
        var database = await newDatabase("bench_schedule");
        await using var product = await Product.StartAsync(repository, PostgresSettings(database));
        await using var silo = await SiloProbe.ConnectAsync(product.GatewayPort);
        await Storefront.PutCartsAsync(product, Prefix("warm"), 200, mode.Connections);
        var (baseline, baselineActivations, _) = await silo.LiveHeapAfterCollectionAsync(product.ProcessId, repository);
        var baselinePending = await PendingAsync(database);
        var residentBefore = product.ResidentBytes();

        var fill = Stopwatch.StartNew();
        await Storefront.PutCartsAsync(product, Prefix("pending"), mode.Pending, mode.Connections);
        var filled = fill.Elapsed;
        var (loaded, activations, dump) = await silo.LiveHeapAfterCollectionAsync(product.ProcessId, repository);
        var pending = await PendingAsync(database);
        var perPending = (loaded - baseline) / (double)(pending - baselinePending);
        report($"schedule: {pending} pending after {filled.TotalSeconds:F0} s; live heap {baseline / 1e6:F1} MB -> {loaded / 1e6:F1} MB " +
               $"({baselineActivations} -> {activations} activations after collection), {perPending:F0} B per pending cart; " +
               $"resident {residentBefore / 1e6:F0} MB -> {product.ResidentBytes() / 1e6:F0} MB; heap by type: dotnet tool run dotnet-gcdump report {dump}");
        return new() { ["pending"] = pending, ["bytes_per_pending"] = perPending };
    }

    /// <summary>
    /// N carts fall due at the same instant, as they do when a shop's quiet hours end: each is reported with a
    /// one-second delay inside quiet hours that end a little later, so every first reminder is deferred to that
    /// instant. How late each reached the mail grain is in its message log (handed over vs the end of quiet
    /// hours); the SMTP server's clock gives the delivery rate of the whole burst.
    /// </summary>
    public async Task<(Dictionary<string, double> Lateness, Dictionary<string, double> Delivery)> DueTogetherAsync()
    {
        var database = await newDatabase("bench_due");
        await using var smtp = CountingSmtpServer.Start();
        var now = DateTimeOffset.UtcNow;
        var morning = new DateTimeOffset(now.Ticks - now.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero) + mode.DueIn;
        var settings = PostgresSettings(database);
        settings["Recovery__Smtp__Host"] = "127.0.0.1";
        settings["Recovery__Smtp__Port"] = smtp.Port.ToString(CultureInfo.InvariantCulture);
        settings["Recovery__Smtp__Security"] = "None";
        settings["Recovery__Smtp__MaxConnections"] = MaxSmtpConnections.ToString(CultureInfo.InvariantCulture);
        settings["Recovery__QuietHours__Enabled"] = "true";
        settings["Recovery__QuietHours__ShopTimeZone"] = "UTC";
        settings["Recovery__QuietHours__Start"] = (morning - TimeSpan.FromHours(2)).TimeOfDay.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture);
        settings["Recovery__QuietHours__End"] = morning.TimeOfDay.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture);
        settings["Recovery__Flows__CartAbandonment__Steps__0__Delay"] = "00:00:01";
        List<double> lateness;
        List<double> sentLateness;
        double delivered;
        double statementsPerMessage;
        await using (var product = await Product.StartAsync(repository, settings))
        {
            var started = Stopwatch.StartNew();
            var carts = await Storefront.PutCartsAsync(product, Prefix("due"), mode.DueTogether, mode.Connections);
            var reported = started.Elapsed;
            if (DateTimeOffset.UtcNow > morning - TimeSpan.FromSeconds(5))
            {
                throw new InvalidOperationException($"Reporting {carts.Count} carts took {reported}, past the end of quiet hours; raise the mode's DueIn.");
            }

            // bench/profile samples the burst from this line's time on.
            report($"delivery: {carts.Count} carts reported; the burst starts at {morning:HH:mm:ss} UTC");

            // The statements the burst costs: from just before the end of quiet hours until every message is out.
            if (morning - TimeSpan.FromSeconds(3) - DateTimeOffset.UtcNow is { } wait && wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }

            // Where the reminders stand before the burst: each was armed for the end of quiet hours, and Orleans adds the due
            // time to its own clock when the registration reaches it, so one that queued behind others is armed late.
            report($"delivery: reminders armed after the end of quiet hours by {await ArmedLateAsync(database, morning)}");
            var burstBefore = await StatementCounts.TakeAsync(database);

            while (smtp.Count < carts.Count)
            {
                if (DateTimeOffset.UtcNow > morning + mode.DeliveryTimeout)
                {
                    throw new TimeoutException($"{smtp.Count} of {carts.Count} follow-ups arrived within {mode.DeliveryTimeout} of the end of quiet hours.");
                }

                await Task.Delay(200);
            }

            var burstAfter = await StatementCounts.TakeAsync(database);
            statementsPerMessage = (double)(burstAfter.Total - burstBefore.Total) / carts.Count;
            report($"delivery: statements per delivered message, by statement:{Environment.NewLine}{StatementCounts.Describe(burstAfter.Since(burstBefore, carts.Count))}");
            (lateness, sentLateness) = await LatenessAsync(product, carts, morning);
            delivered = AcceptedPerSecond(smtp);
            report($"due together: {carts.Count} carts reported in {reported.TotalSeconds:F1} s, deferred by quiet hours to {morning:HH:mm:ss}, " +
                   $"all delivered {(DateTimeOffset.UtcNow - morning).TotalSeconds:F0} s after");
        }

        var floor = await SmtpFloorAsync(smtp, smtp.FirstMessage!, mode.DueTogether);
        lateness.Sort();
        sentLateness.Sort();
        report($"{statementsPerMessage:F2} statements per delivered message; lateness to the claim: p50 {Percentile(lateness, 0.5):F0} ms, p99 {Percentile(lateness, 0.99):F0} ms; " +
               $"to the relay's acceptance: first {sentLateness.FirstOrDefault(double.NaN):F0} ms, p50 {Percentile(sentLateness, 0.5):F0} ms, p99 {Percentile(sentLateness, 0.99):F0} ms; " +
               $"delivery {delivered:F0}/s, bare MailKit floor {floor:F0}/s over {MaxSmtpConnections} connections");
        return (
            new()
            {
                ["lateness_p50_ms"] = Percentile(lateness, 0.5),
                ["lateness_p99_ms"] = Percentile(lateness, 0.99),
                ["sent_lateness_p50_ms"] = Percentile(sentLateness, 0.5),
                ["sent_lateness_p99_ms"] = Percentile(sentLateness, 0.99),
            },
            new() { ["emails_per_s"] = delivered, ["floor_per_s"] = floor, ["ratio"] = delivered / floor, ["statements_per_message"] = statementsPerMessage });
    }

    /// <summary>
    /// Each cart's first reminder: how late it was claimed, and how late the relay had accepted it (the message log's time
    /// of the sent record, written when the outcome settled). The shopper sees the second.
    /// </summary>
    private static async Task<(List<double> Claimed, List<double> Sent)> LatenessAsync(Product product, IReadOnlyList<string> carts, DateTimeOffset morning)
    {
        using var client = product.Client(Product.OperatorKey);
        var lateness = new System.Collections.Concurrent.ConcurrentBag<double>();
        var sentLateness = new System.Collections.Concurrent.ConcurrentBag<double>();
        await Parallel.ForEachAsync(carts, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (id, cancellation) =>
        {
            var view = await client.GetFromJsonAsync<JsonElement>($"/api/v1/carts/{id}", cancellation);
            var sent = view.GetProperty("messages").EnumerateArray().Single(m => m.GetProperty("step").GetInt32() == 1 && m.GetProperty("status").GetString() == "sent");
            // Due at the later of its own time and the end of the deferral the product logged for it.
            var due = view.GetProperty("messages").EnumerateArray()
                .Where(m => m.GetProperty("step").GetInt32() == 1 && m.GetProperty("status").GetString() == "deferred")
                .Select(m => m.GetProperty("deferredUntil").GetDateTimeOffset())
                .Append(sent.GetProperty("dueAt").GetDateTimeOffset())
                .Max();
            if (due != morning)
            {
                throw new InvalidOperationException($"Cart {id} was due at {due:O}, not at the end of quiet hours {morning:O}.");
            }

            lateness.Add((sent.GetProperty("claimedAt").GetDateTimeOffset() - due).TotalMilliseconds);
            sentLateness.Add((sent.GetProperty("at").GetDateTimeOffset() - due).TotalMilliseconds);
        });
        return ([.. lateness], [.. sentLateness]);
    }

    /// <summary>The same SMTP server fed the product's own rendered message by a bare MailKit loop, one open connection per worker.</summary>
    private static async Task<double> SmtpFloorAsync(CountingSmtpServer smtp, byte[] rendered, int messages)
    {
        smtp.Reset();
        var next = 0;
        var stop = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, MaxSmtpConnections).Select(async _ =>
        {
            // A copy per connection: MailKit prepares the message as it sends it, so connections must not share one.
            var message = await MimeMessage.LoadAsync(new MemoryStream(rendered));
            using var client = new SmtpClient();
            var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(System.Net.IPAddress.Loopback, smtp.Port);
            await client.ConnectAsync(socket, "127.0.0.1", smtp.Port, SecureSocketOptions.None);
            while (Interlocked.Increment(ref next) <= messages)
            {
                await client.SendAsync(message);
            }

            await client.DisconnectAsync(quit: true);
        }));
        return messages / stop.Elapsed.TotalSeconds;
    }

    /// <summary>How far past <paramref name="due"/> the cart reminders of the burst are armed in the reminder table: p50, p99 and max.</summary>
    private static async Task<string> ArmedLateAsync(string database, DateTimeOffset due)
    {
        await using var connection = new Npgsql.NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("""
            SELECT count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY late), percentile_cont(0.99) WITHIN GROUP (ORDER BY late), max(late) /* bench */
            FROM (SELECT extract(epoch FROM starttime - @due) * 1000 AS late FROM orleansreminderstable WHERE starttime >= @due - interval '1 second' AND grainid LIKE 'cart/%') AS armed
            """, connection);
        command.Parameters.AddWithValue("due", due.UtcDateTime);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return reader.GetInt64(0) == 0
            ? "nothing (no cart reminder found)"
            : $"p50 {reader.GetDouble(1):F0} ms, p99 {reader.GetDouble(2):F0} ms, max {reader.GetDouble(3):F0} ms ({reader.GetInt64(0)} reminders)";
    }

    /// <summary>A burst's delivery rate, as the SMTP server saw it: the messages after the first, over the time from the first accepted to the last.</summary>
    public static double AcceptedPerSecond(CountingSmtpServer smtp)
    {
        var accepted = smtp.AcceptedAt.Order().ToList();
        return (accepted.Count - 1) / Stopwatch.GetElapsedTime(accepted[0], accepted[^1]).TotalSeconds;
    }

    public static double Percentile(List<double> sorted, double quantile) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(quantile * sorted.Count) - 1)];

    private Dictionary<string, string> PostgresSettings(string database) => new()
    {
        ["Recovery__Storage"] = "PostgreSQL",
        // BENCH_NPGSQL adds Npgsql settings to the product's connection string, to measure one lever at a time
        // (BENCHMARKS.md, issue 28): e.g. BENCH_NPGSQL="Max Auto Prepare=20".
        ["ConnectionStrings__Recovery"] = Environment.GetEnvironmentVariable("BENCH_NPGSQL") is { Length: > 0 } extra ? $"{database};{extra}" : database,
    };

    private static async Task WarmUpAsync(Product product)
    {
        using var client = product.Client(Product.StorefrontKey);
        await WarmUpAsync(client);
    }

    // JIT, connection pools and grain types warm, so the timed runs measure the steady state.
    private static Task WarmUpAsync(HttpClient storefront) => Storefront.PutCartsAsync(storefront, $"warm-{Guid.NewGuid():N}"[..13], 500, 16);

    private static async Task<long> PendingAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        return await ScalarAsync<long>(connection, "SELECT COUNT(*) FROM OrleansRemindersTable WHERE ReminderName = 'follow-up'");
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
