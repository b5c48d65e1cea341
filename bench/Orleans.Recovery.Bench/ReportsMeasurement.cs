using System.Diagnostics;
using System.Net.Http.Json;
using Npgsql;

namespace Orleans.Recovery.Bench;

/// <summary>
/// reports: <c>GET /api/v1/stats</c> for 30 days over a ledger of a million messages on PostgreSQL, beside the floor of
/// <c>SELECT count(*)</c> over the same message rows, each timed the same way (median of 20 after warm-up, round trip
/// included). The target is stats at or below the floor: the stats read the daily counts, never the messages.
/// </summary>
public sealed class ReportsMeasurement(string repository, BenchMode mode, Func<string, Task<string>> newDatabase, Action<string> report)
{
    private const int Runs = 20;
    private static readonly DateOnly Today = DateOnly.FromDateTime(DateTime.UtcNow);

    public async Task<Dictionary<string, double>> StatsAsync()
    {
        var messages = mode.Name switch { "full" => 1_000_000, "quick" => 200_000, _ => 2_000 };
        var database = await newDatabase("bench_reports");
        await using var product = await Product.StartAsync(repository, new Dictionary<string, string>
        {
            ["Recovery__Storage"] = "PostgreSQL",
            ["ConnectionStrings__Recovery"] = database,
        });

        var fill = Stopwatch.StartNew();
        await FillAsync(database, messages);
        report($"reports: {messages:N0} ledger messages written in {fill.Elapsed.TotalSeconds:F1} s");

        using var client = product.Client(Product.OperatorKey);
        var url = $"/api/v1/stats?from={Today.AddDays(-29):yyyy-MM-dd}&to={Today:yyyy-MM-dd}";
        var sent = (await client.GetFromJsonAsync<System.Text.Json.JsonElement>(url)).GetProperty("flows").EnumerateArray().Sum(flow => flow.GetProperty("sent").GetInt64());
        var stats = await MedianMsAsync(async () => (await client.GetAsync(url)).EnsureSuccessStatusCode());

        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        var floor = await MedianMsAsync(async () =>
        {
            await using var count = new NpgsqlCommand("SELECT count(*) FROM recovery_messages", connection);
            await count.ExecuteScalarAsync();
        });

        report($"reports: stats over 30 days {stats:F1} ms ({sent:N0} sent), count(*) over the {messages:N0} messages {floor:F1} ms");
        return new() { ["messages"] = messages, ["stats_ms"] = stats, ["floor_ms"] = floor, ["ratio"] = stats / floor };
    }

    private static async Task<double> MedianMsAsync(Func<Task> run)
    {
        for (var warm = 0; warm < 3; warm++)
        {
            await run();
        }

        var times = new List<double>();
        for (var i = 0; i < Runs; i++)
        {
            var watch = Stopwatch.StartNew();
            await run();
            times.Add(watch.Elapsed.TotalMilliseconds);
        }

        times.Sort();
        return Measurements.Percentile(times, 0.5);
    }

    /// <summary>
    /// A month of a busy shop's ledger, written with SQL: messages of the three flows spread over 30 days (step 1 of the
    /// cart flow in two variants), their planned, sent, skipped and clicked events, one order in twenty credited, and
    /// the daily counts those rows make, as the product's ledger keeps them.
    /// </summary>
    private static async Task FillAsync(string database, int messages)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        var start = new DateTimeOffset(Today.AddDays(-29), TimeOnly.MinValue, TimeSpan.Zero).ToUnixTimeMilliseconds();
        foreach (var sql in new[]
        {
            $"""
            INSERT INTO recovery_messages (message_id, owner_kind, owner_id, customer_key, flow, step, marketing, variant, coupon_code,
                                           planned_at, decided_at, sent_at, first_clicked_at)
            SELECT 'bench-' || i, 'cart', 'cart-' || (i / 3), 'c' || (i / 6),
                   CASE WHEN i % 10 < 7 THEN 'cart-abandonment' WHEN i % 10 < 9 THEN 'incomplete-payment' ELSE 'post-purchase' END,
                   1 + i % 3, 1, CASE WHEN i % 3 = 0 THEN CASE WHEN i % 2 = 0 THEN 'plain' ELSE 'urgent' END END, NULL,
                   {start} + i::bigint * 2592000000 / {messages}, {start} + i::bigint * 2592000000 / {messages} + 3600000,
                   CASE WHEN i % 7 <> 0 THEN {start} + i::bigint * 2592000000 / {messages} + 3600000 END,
                   CASE WHEN i % 10 = 1 THEN {start} + i::bigint * 2592000000 / {messages} + 7200000 END
            FROM generate_series(0, {messages - 1}) AS i
            """,
            "INSERT INTO recovery_message_events (message_id, kind, at) SELECT message_id, 'planned', planned_at FROM recovery_messages",
            "INSERT INTO recovery_message_events (message_id, kind, at) SELECT message_id, 'sent', sent_at FROM recovery_messages WHERE sent_at IS NOT NULL",
            "INSERT INTO recovery_message_events (message_id, kind, at, reason) SELECT message_id, 'skipped', decided_at, 'purchased' FROM recovery_messages WHERE sent_at IS NULL",
            "INSERT INTO recovery_message_events (message_id, kind, at) SELECT message_id, 'clicked', first_clicked_at FROM recovery_messages WHERE first_clicked_at IS NOT NULL",
            """
            INSERT INTO recovery_daily (day, flow, step, variant, metric, detail, count, amount)
            SELECT e.at / 86400000, m.flow, m.step, COALESCE(m.variant, ''), e.kind, COALESCE(e.reason, ''), count(*), 0
            FROM recovery_message_events e JOIN recovery_messages m ON m.message_id = e.message_id
            GROUP BY 1, 2, 3, 4, 5, 6
            """,
            """
            INSERT INTO recovery_daily (day, flow, step, variant, metric, detail, count, amount)
            SELECT first_clicked_at / 86400000, flow, step, COALESCE(variant, ''), metric, detail, count(*), SUM(amount)
            FROM recovery_messages
            CROSS JOIN (VALUES ('recovered', '', 0), ('revenue', 'EUR', 497800)) AS credit (metric, detail, amount)
            WHERE first_clicked_at IS NOT NULL AND hashtext(message_id) % 2 = 0
            GROUP BY 1, 2, 3, 4, 5, 6
            ON CONFLICT (day, flow, step, variant, metric, detail, shard) DO UPDATE SET count = recovery_daily.count + excluded.count, amount = recovery_daily.amount + excluded.amount
            """,
            """
            INSERT INTO recovery_daily (day, flow, step, variant, metric, detail, count, amount)
            SELECT planned_at / 86400000, flow, 0, '', metric, '', count(*), 0
            FROM recovery_messages CROSS JOIN (VALUES ('entered'), ('treated_entered')) AS entry (metric)
            WHERE step = 1 GROUP BY 1, 2, 3, 4, 5, 6
            """,
            "VACUUM ANALYZE",
        })
        {
            await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 600 };
            await command.ExecuteNonQueryAsync();
        }
    }
}
