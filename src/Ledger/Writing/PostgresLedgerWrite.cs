namespace Orleans.Recovery.Ledger;

/// <summary>
/// A transaction's grains' entries written to PostgreSQL phase by phase, each phase one statement over arrays for all
/// the grains, so a transaction of 256 grains' plans, sends, skips and leads costs the statements of one: issue 28's
/// budget counts statements, and the grain storage takes most of it. Clicks, orders, redemptions and unsubscribes are
/// rare beside those, and cost a statement or more each. Rows and counts are those of <see cref="LedgerRows"/> and
/// <see cref="LeadRows"/> writing entry by entry in the grains' order, which SQLite still does.
/// </summary>
/// <remarks>
/// Round trips: the transaction's bounds, its customers' locks, the new message events and the leads; then the
/// messages' rows, flow entries and holdout groups; then the rare entries row by row. The first clicks go with the
/// daily counts at the end (<see cref="AddLast"/>).
/// </remarks>
internal sealed class PostgresLedgerWrite
{
    private readonly LedgerSql _sql;
    private readonly LedgerRows _rows;
    private readonly LedgerCustomerLocks _locks;
    private readonly EntrySet _entries;
    private readonly MessageEventSet _messages;
    private readonly LeadSet _leads;

    public PostgresLedgerWrite(LedgerSql sql, DailyCountChanges counts, LedgerRows rows, LeadRows leads, LedgerCustomerLocks locks)
    {
        _sql = sql;
        _rows = rows;
        _locks = locks;
        _entries = new EntrySet(counts);
        _messages = new MessageEventSet(counts, rows, _entries);
        _leads = new LeadSet(leads);
    }

    public async Task WriteAsync(IReadOnlyList<LedgerBatch> batches)
    {
        var rare = new List<(LedgerOwner Owner, LedgerEntry Entry)>();
        foreach (var batch in batches)
        {
            foreach (var entry in batch.Entries)
            {
                switch (entry)
                {
                    case MessageEvent message:
                        _messages.Add(batch.Owner, message);
                        break;
                    case Forgotten:
                        _leads.Forget(batch.Owner);
                        break;
                    default:
                        rare.Add((batch.Owner, entry));
                        break;
                }
            }

            if (batch.Lead is { } lead && batch.Owner.CustomerKey is { } customerKey)
            {
                _leads.Write(batch.Owner, customerKey, lead, batch.Revision);
            }
        }

        var first = new PostgresRoundTrip(_sql).Add(LedgerDatabase.Bounds, [], _ => { });
        _locks.AddTo(first, batches.Select(batch => CustomerIdentity.Of(batch.Owner)));
        _messages.AddInserts(first);
        _leads.AddTo(first);
        await first.RunAsync();

        var second = new PostgresRoundTrip(_sql);
        _messages.AddRows(second);
        _entries.AddTo(second);
        await second.RunAsync();
        _messages.Count();

        // Orders, redemptions and unsubscribes are rare beside message events, and build on each other (a payment on
        // its order, a discount on the order and its redemption): row by row, in the grains' order, as on SQLite. No
        // row they write is one the phases above read or write.
        foreach (var (owner, entry) in rare)
        {
            await _rows.WriteAsync(owner, entry);
        }

        await _leads.WriteInTurnAsync();
    }

    /// <summary>Adds what waits for the end of the transaction: the messages' first clicks, which nothing in between reads.</summary>
    public void AddLast(PostgresRoundTrip trip) => _messages.AddFirstClicks(trip);
}
