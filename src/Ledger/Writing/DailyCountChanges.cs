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

    /// <summary>Writes the daily counts this transaction moved.</summary>
    public async Task WriteAsync()
    {
        // In one order: should two writers share a shard, they take the rows' locks alike, never crosswise.
        foreach (var (key, (count, amount)) in _counts.Where(pair => pair.Value != (0, 0)).OrderBy(pair => pair.Key))
        {
            await sql.ExecuteAsync(shard is { } own
                ? $"""
                    INSERT INTO recovery_daily (day, flow, step, variant, metric, detail, count, amount, shard)
                    VALUES (@day, @flow, @step, @variant, @metric, @detail, @count, @amount, {own})
                    ON CONFLICT (day, flow, step, variant, metric, detail, shard)
                    DO UPDATE SET count = recovery_daily.count + excluded.count, amount = recovery_daily.amount + excluded.amount
                    """
                : """
                    INSERT INTO recovery_daily (day, flow, step, variant, metric, detail, count, amount)
                    VALUES (@day, @flow, @step, @variant, @metric, @detail, @count, @amount)
                    ON CONFLICT (day, flow, step, variant, metric, detail)
                    DO UPDATE SET count = recovery_daily.count + excluded.count, amount = recovery_daily.amount + excluded.amount
                    """, command => command.With("day", key.Day).With("flow", key.Flow).With("step", key.Step).With("variant", key.Variant)
                .With("metric", key.Metric).With("detail", key.Detail).With("count", count).With("amount", amount));
        }
    }

    private readonly record struct CountKey(long Day, string Flow, int Step, string Variant, string Metric, string Detail) : IComparable<CountKey>
    {
        public int CompareTo(CountKey other) =>
            (Day, Step).CompareTo((other.Day, other.Step)) is not 0 and var byNumber ? byNumber
            : string.CompareOrdinal($"{Flow}\n{Variant}\n{Metric}\n{Detail}", $"{other.Flow}\n{other.Variant}\n{other.Metric}\n{other.Detail}");
    }
}
