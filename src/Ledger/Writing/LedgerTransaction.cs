using System.Data.Common;

namespace Orleans.Recovery.Ledger;

/// <summary>
/// One ledger transaction: the grains' entries as rows, each inserted only if its key is new, and the daily counts
/// moved by exactly the rows that were. Then the orders whose attribution or holdout conversion the new rows can change
/// are worked out again, and the counts moved by the difference. So appending anything twice changes nothing.
/// </summary>
/// <remarks>
/// The shard, on PostgreSQL, where silos write side by side: the writer's own rows of the daily counts, and its
/// customers locked. SQLite has one writer at a time, and neither.
/// </remarks>
internal sealed class LedgerTransaction
{
    private readonly LedgerCustomerLocks _locks;
    private readonly DailyCountChanges _counts;
    private readonly LedgerRows _rows;
    private readonly LeadRows _leads;
    private readonly LedgerAttribution _attribution;

    public LedgerTransaction(DbConnection connection, DbTransaction transaction, AttributionOptions attribution, int? shard)
    {
        var sql = new LedgerSql(connection, transaction);
        _locks = new LedgerCustomerLocks(sql, enabled: shard is not null);
        _counts = new DailyCountChanges(sql, shard);
        _rows = new LedgerRows(sql, _counts);
        _leads = new LeadRows(sql);
        _attribution = new LedgerAttribution(sql, _counts, attribution);
    }

    /// <summary>What this transaction moved in the daily counts: the figures the metrics report once it commits.</summary>
    public IEnumerable<(string Flow, int Step, string Metric, string Detail, long Count, decimal Amount)> Changes => _counts.Changes;

    /// <summary>Locks the customers of <paramref name="batches"/> (their address keys and shop ids), in one order everywhere.</summary>
    public Task LockCustomersAsync(IEnumerable<LedgerBatch> batches) => _locks.LockAsync(batches.Select(batch => CustomerIdentity.Of(batch.Owner)));

    /// <summary>Writes a grain's entries, in their order, and its lead as it stands.</summary>
    public async Task ApplyAsync(LedgerBatch batch)
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

    /// <summary>Works out again the attribution of every order, and the conversion of every entry, the new rows may change.</summary>
    public async Task AttributeAsync()
    {
        // Customers this transaction reached beyond its grains' own (an order a redeemed coupon discounted) are locked
        // now, before their rows are read.
        await _locks.LockAsync(_rows.Ordered.Concat(_rows.Touched.Keys));
        await _attribution.AttributeAsync(_rows.Ordered, _rows.Touched);
    }

    /// <summary>Writes the daily counts this transaction moved.</summary>
    public Task CountAsync() => _counts.WriteAsync();
}
