namespace Orleans.Recovery.Ledger.Tests.Writing;

/// <summary>
/// Appends grains' batches so the writer takes them all in one transaction, as a silo's burst does: the writer is held
/// just after committing an append that writes nothing while the batches queue behind it.
/// </summary>
internal static class OneTransaction
{
    /// <summary>An order never placed, paid: it changes no row, so the transaction it holds leaves no trace.</summary>
    private static readonly LedgerBatch Nothing = Batches.Of(Batches.Order("order-never-placed", "nobody"), Batches.Paid(Batches.Morning));

    /// <summary>
    /// Appends <paramref name="batches"/> in one transaction; <paramref name="queued"/> runs once they wait, before
    /// the writer takes them, and <paramref name="written"/> once they are committed.
    /// </summary>
    public static async Task AppendAsync(SqlLedger ledger, IReadOnlyList<LedgerBatch> batches, Func<Task>? queued = null, Func<Task>? written = null)
    {
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ledger.AfterCommit = async _ =>
        {
            ledger.AfterCommit = null;
            held.TrySetResult();
            await release.Task;
        };

        var transactions = new List<int>();
        Task[] appends;
        var nothing = ledger.AppendAsync(Nothing);
        try
        {
            await held.Task.WaitAsync(TimeSpan.FromSeconds(30));
            appends = [.. batches.Select(ledger.AppendAsync)];
            ledger.BeforeCommit = taken =>
            {
                transactions.Add(taken.Count);
                return Task.CompletedTask;
            };
            if (queued is not null)
            {
                await queued();
            }
        }
        finally
        {
            release.TrySetResult();
        }

        await nothing;
        await Task.WhenAll(appends).WaitAsync(TimeSpan.FromSeconds(60));
        ledger.BeforeCommit = null;
        Assert.Equal([batches.Count], transactions);
        if (written is not null)
        {
            await written();
        }
    }
}
