using System.Globalization;

namespace Orleans.Recovery.Ledger.Tests.Writing;

/// <summary>
/// Every row of the ledger's tables as text, sorted, so two databases written by different paths compare row for row:
/// SQLite's 64-bit integers and PostgreSQL's <c>integer</c> read alike, and the daily counts are summed over shards.
/// </summary>
internal static class LedgerTables
{
    private static readonly string[] Queries =
    [
        "SELECT message_id, owner_kind, owner_id, customer_key, shop_customer_id, flow, step, marketing, variant, coupon_code, planned_at, decided_at, sent_at, first_clicked_at FROM recovery_messages",
        "SELECT message_id, kind, at, reason FROM recovery_message_events",
        "SELECT owner_kind, owner_id, flow, customer_key, shop_customer_id, entered_at, grp, grp_at, converted_order_id, currency, revenue FROM recovery_entries",
        """
        SELECT type, id, customer_key, email, first_name, last_name, locale, country, items, total, currency, created_at, last_activity_at,
               steps_sent, coupon_code, outcome, order_id, finished_at, decline_reason, revision FROM recovery_leads
        """,
        "SELECT customer_key, unsubscribed_at, erased_at FROM recovery_customers",
        """
        SELECT order_id, customer_key, shop_customer_id, cart_id, currency, subtotal, total, placed_at, paid_at, cancelled_at,
               payment_failed_at, decline_reason, coupon_code, discount FROM recovery_orders
        """,
        "SELECT code, order_id, percent_off, at FROM recovery_redemptions",
        "SELECT order_id, message_id, flow, step, variant, converted_at, currency, revenue, discount FROM recovery_attributions",
        "SELECT day, flow, step, variant, metric, detail, sum(count), sum(amount) FROM recovery_daily GROUP BY day, flow, step, variant, metric, detail",
    ];

    /// <summary>Each table's rows, in ordinal order, one line per row.</summary>
    public static async Task<IReadOnlyList<(string Table, string[] Rows)>> ReadAsync(LedgerDatabase database)
    {
        var tables = new List<(string, string[])>();
        foreach (var query in Queries)
        {
            var rows = new List<string>();
            await database.ReadAsync(query, _ => { }, reader => rows.Add(string.Join(" | ", Enumerable.Range(0, reader.FieldCount)
                .Select(column => reader.IsDBNull(column) ? "null" : Convert.ToString(reader.GetValue(column), CultureInfo.InvariantCulture)))), CancellationToken.None);
            tables.Add((query[(query.LastIndexOf("FROM ", StringComparison.Ordinal) + 5)..].Split(' ')[0], [.. rows.Order(StringComparer.Ordinal)]));
        }

        return tables;
    }

    /// <summary>Asserts both databases hold the same rows, table by table, naming the first table that differs.</summary>
    public static async Task AssertSameAsync(LedgerDatabase expected, LedgerDatabase actual)
    {
        var (want, have) = (await ReadAsync(expected), await ReadAsync(actual));
        foreach (var ((table, rows), (_, actualRows)) in want.Zip(have))
        {
            Assert.True(rows.SequenceEqual(actualRows), $"{table} differs.{Environment.NewLine}Expected:{Environment.NewLine}{string.Join(Environment.NewLine, rows.Except(actualRows))}{Environment.NewLine}Actual:{Environment.NewLine}{string.Join(Environment.NewLine, actualRows.Except(rows))}");
        }
    }
}
