namespace Orleans.Recovery.Ledger;

/// <summary>
/// What one ledger transaction moves in the daily counts: every new row, and every attribution worked out again,
/// counted here per day, flow, step, variant, metric and detail, then written in one go before the commit.
/// </summary>
/// <remarks>
/// The shard, on PostgreSQL, where silos write side by side: the writer's own rows of the daily counts, which no other
/// silo waits on. SQLite has one writer at a time, and no shards.
/// </remarks>
internal sealed class DailyCountChanges(LedgerSql sql, int? shard)
{
    private readonly Dictionary<CountKey, (long Count, long Amount)> _counts = [];

    /// <summary>Moves a count of the day of <paramref name="at"/> (Unix ms) by <paramref name="count"/>, and its amount by <paramref name="amount"/> units.</summary>
    public void Count(long at, string flow, int step, string variant, string metric, string detail, long count, long amount = 0)
    {
        var key = new CountKey(at / LedgerColumns.MsPerDay, flow, step, variant, metric, detail);
        var (c, a) = _counts.GetValueOrDefault(key);
        _counts[key] = (c + count, a + amount);
    }

    /// <summary>What this transaction moved in the daily counts: the figures the metrics report once it commits.</summary>
    /// Summed over days: a first click moved to an earlier day is -1 on one and +1 on the other, and no new click.
    public IEnumerable<(string Flow, int Step, string Metric, string Detail, long Count, decimal Amount)> Changes =>
        _counts.GroupBy(pair => (pair.Key.Flow, pair.Key.Step, pair.Key.Metric, pair.Key.Detail))
            .Select(group => (group.Key.Flow, group.Key.Step, group.Key.Metric, group.Key.Detail, group.Sum(pair => pair.Value.Count), LedgerColumns.Amount(group.Sum(pair => pair.Value.Amount))))
            .Where(change => change.Item5 != 0 || change.Item6 != 0);

    /// <summary>Writes the daily counts this transaction moved, row by row: SQLite's way, in the process.</summary>
    public async Task WriteAsync()
    {
        foreach (var (key, (count, amount)) in Moved())
        {
            await sql.ExecuteAsync($"""
                INSERT INTO recovery_daily (day, flow, step, variant, metric, detail, count, amount)
                VALUES (@day, @flow, @step, @variant, @metric, @detail, @count, @amount)
                ON CONFLICT (day, flow, step, variant, metric, detail) {LedgerUpserts.DailyAdd}
                """, command => command.With("day", key.Day).With("flow", key.Flow).With("step", key.Step).With("variant", key.Variant)
                .With("metric", key.Metric).With("detail", key.Detail).With("count", count).With("amount", amount));
        }
    }

    /// <summary>Adds the write of the daily counts this transaction moved to a round trip: PostgreSQL's way, one statement into the shard's rows.</summary>
    public void AddTo(PostgresRoundTrip trip)
    {
        var moved = Moved().ToList();
        if (moved.Count == 0)
        {
            return;
        }

        // Inserted in the order given (WITH ORDINALITY), so their rows' locks are taken in Moved's order.
        trip.Add($"""
            INSERT INTO recovery_daily (day, flow, step, variant, metric, detail, count, amount, shard)
            SELECT day, flow, step, variant, metric, detail, count, amount, @shard
            FROM unnest(@days::bigint[], @flows::text[], @steps::integer[], @variants::text[], @metrics::text[], @details::text[], @counts::bigint[], @amounts::bigint[])
                WITH ORDINALITY AS moved (day, flow, step, variant, metric, detail, count, amount, n)
            ORDER BY n
            ON CONFLICT (day, flow, step, variant, metric, detail, shard) {LedgerUpserts.DailyAdd}
            """, [.. new ColumnArrays<KeyValuePair<CountKey, (long Count, long Amount)>>(moved)
                .Bigint("days", pair => pair.Key.Day).Text("flows", pair => pair.Key.Flow).Integer("steps", pair => pair.Key.Step)
                .Text("variants", pair => pair.Key.Variant).Text("metrics", pair => pair.Key.Metric).Text("details", pair => pair.Key.Detail)
                .Bigint("counts", pair => pair.Value.Count).Bigint("amounts", pair => pair.Value.Amount).Parameters,
                new Npgsql.NpgsqlParameter<int>("shard", shard ?? 0)]);
    }

    /// <summary>
    /// The counts that moved, in one order: should two writers share a shard (or SQLite's one set of rows), they take
    /// the rows' locks alike, never crosswise.
    /// </summary>
    private IEnumerable<KeyValuePair<CountKey, (long Count, long Amount)>> Moved() =>
        _counts.Where(pair => pair.Value != (0, 0)).OrderBy(pair => pair.Key);

    private readonly record struct CountKey(long Day, string Flow, int Step, string Variant, string Metric, string Detail) : IComparable<CountKey>
    {
        public int CompareTo(CountKey other) =>
            (Day, Step).CompareTo((other.Day, other.Step)) is not 0 and var byNumber ? byNumber
            : string.CompareOrdinal($"{Flow}\n{Variant}\n{Metric}\n{Detail}", $"{other.Flow}\n{other.Variant}\n{other.Metric}\n{other.Detail}");
    }
}
