namespace Orleans.Recovery.Ledger.Tests.Writing;

/// <summary>The ledger writer's queue while its database is stuck: bounded, so what does not fit stays with the grains.</summary>
[Trait("Category", "Database")]
public sealed class LedgerQueueTests
{
    [Fact]
    public async Task AFullQueueRefusesAnAppendAtOnceAndTakesItAgainOnceItHasRoom()
    {
        await using var database = LedgerDatabase.Temporary();
        await using var ledger = LedgerWriters.On(database, capacity: 3);
        var inside = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thawed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ledger.BeforeCommit = _ =>
        {
            inside.TrySetResult();
            return thawed.Task;
        };

        Task[] taken;
        try
        {
            // One in the stuck transaction, three waiting: the queue's whole room.
            var writing = ledger.AppendAsync(Batch(0));
            await inside.Task.WaitAsync(TimeSpan.FromSeconds(30));
            taken = [writing, .. Enumerable.Range(1, 3).Select(i => ledger.AppendAsync(Batch(i)))];

            var refused = ledger.AppendAsync(Batch(4));
            Assert.True(refused.IsFaulted);
            Assert.IsType<LedgerFullException>(refused.Exception!.InnerException);
            Assert.Equal(4, ledger.Pending);
        }
        finally
        {
            ledger.BeforeCommit = null;
            thawed.TrySetResult();
        }

        await Task.WhenAll(taken).WaitAsync(TimeSpan.FromSeconds(30));
        await ledger.AppendAsync(Batch(4)).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, ledger.Pending);
    }

    private static LedgerBatch Batch(int cart) => Batches.Planned($"cart-{cart}", cart.ToString(System.Globalization.CultureInfo.InvariantCulture));
}
