using System.Data.Common;

namespace Orleans.Recovery.Ledger;

/// <summary>
/// One ledger transaction: the grains' entries as rows, each inserted only if its key is new, and the daily counts
/// moved by exactly the rows that were. Then the orders whose attribution or holdout conversion the new rows can change
/// are worked out again, and the counts moved by the difference. So appending anything twice changes nothing.
/// </summary>
/// <remarks>
/// The shard, on PostgreSQL, where silos write side by side: the writer's own rows of the daily counts, and its
/// customers locked; there the entries are written phase by phase for all the grains at once
/// (<see cref="PostgresLedgerWrite"/>). SQLite has one writer at a time, in the process: neither, and row by row.
/// </remarks>
internal sealed class LedgerTransaction
{
    private readonly LedgerSql _sql;
    private readonly LedgerCustomerLocks _locks;
    private readonly DailyCountChanges _counts;
    private readonly LedgerRows _rows;
    private readonly LeadRows _leads;
    private readonly LedgerAttribution _attribution;
    private readonly PostgresLedgerWrite? _postgres;

    public LedgerTransaction(DbConnection connection, DbTransaction transaction, AttributionOptions attribution, int? shard)
    {
        _sql = new LedgerSql(connection, transaction);
        _locks = new LedgerCustomerLocks(_sql, enabled: shard is not null);
        _counts = new DailyCountChanges(_sql, shard);
        _rows = new LedgerRows(_sql, _counts);
        _leads = new LeadRows(_sql);
        _attribution = new LedgerAttribution(_sql, _counts, attribution);
        _postgres = shard is null ? null : new PostgresLedgerWrite(_sql, _counts, _rows, _leads, _locks);
    }

    /// <summary>What this transaction moved in the daily counts: the figures the metrics report once it commits.</summary>
    public IEnumerable<(string Flow, int Step, string Metric, string Detail, long Count, decimal Amount)> Changes => _counts.Changes;

    /// <summary>
    /// Writes the grains' entries, each grain's in their order, and its lead as it stands; on PostgreSQL the
    /// transaction's bounds and its customers' locks (their address keys and shop ids, in one order everywhere) first.
    /// </summary>
    public async Task WriteAsync(IReadOnlyList<LedgerBatch> batches)
    {
        if (_postgres is not null)
        {
            await _postgres.WriteAsync(batches);
            return;
        }

        foreach (var batch in batches)
        {
            foreach (var entry in batch.Entries)
            {
                await (entry is Forgotten ? _leads.ForgetAsync(batch.Owner) : _rows.WriteAsync(batch.Owner, entry));
            }

            if (batch.Lead is { } lead && batch.Owner.CustomerKey is { } customerKey)
            {
                await _leads.WriteAsync(batch.Owner, customerKey, lead, batch.Revision);
            }
        }
    }

    /// <summary>Works out again the attribution of every order, and the conversion of every entry, the new rows may change.</summary>
    public async Task AttributeAsync()
    {
        // Customers this transaction reached beyond its grains' own (an order a redeemed coupon discounted) are locked
        // now, before their rows are read.
        await _locks.LockAsync(_rows.Ordered.Concat(_rows.Touched.Keys));
        await _attribution.AttributeAsync(_rows.Ordered, _rows.Touched);
    }

    /// <summary>Writes the daily counts this transaction moved.</summary>
    public async Task CountAsync()
    {
        if (_postgres is null)
        {
            await _counts.WriteAsync();
            return;
        }

        var last = new PostgresRoundTrip(_sql);
        _postgres.AddLast(last);
        _counts.AddTo(last);
        await last.RunAsync();
    }
}
