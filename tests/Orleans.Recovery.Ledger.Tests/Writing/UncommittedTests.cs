namespace Orleans.Recovery.Ledger.Tests.Writing;

/// <summary>
/// What the writer was handed and has not committed, which an erase or export asks each silo for: a cart stays listed
/// under its customer while its append waits or after it failed, and goes once an append of it commits.
/// </summary>
[Trait("Category", "Database")]
public sealed class UncommittedTests
{
    [Fact]
    public async Task ACartIsListedUnderItsCustomerUntilAnAppendOfItCommitsAndAfterOneFails()
    {
        await using var database = LedgerDatabase.Temporary();
        await using var ledger = LedgerWriters.On(database);
        var failing = true;
        ledger.BeforeCommit = batches => Volatile.Read(ref failing) && batches.Any(batch => batch.Owner.Id is "cart-failed" or "cart-of-ben")
            ? throw new InvalidOperationException("The database went away.")
            : Task.CompletedTask;

        await ledger.AppendAsync(Batches.Planned("cart-committed", "ana"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => ledger.AppendAsync(Batches.Planned("cart-failed", "ana")));
        await Assert.ThrowsAsync<InvalidOperationException>(() => ledger.AppendAsync(Batches.Planned("cart-failed", "ana")));
        await Assert.ThrowsAsync<InvalidOperationException>(() => ledger.AppendAsync(Batches.Planned("cart-of-ben", "ben")));

        Assert.Equal(["cart-failed"], ledger.UncommittedOf(Batches.Planned("x", "ana").Owner.CustomerKey!).Select(owner => owner.Id));
        Assert.Equal(["cart-of-ben"], ledger.UncommittedOf(Batches.Planned("x", "ben").Owner.CustomerKey!).Select(owner => owner.Id));

        // Appended again once the database is back, as its grain does: committed, so the ledger lists it now.
        Volatile.Write(ref failing, false);
        await ledger.AppendAsync(Batches.Planned("cart-failed", "ana"));
        Assert.Empty(ledger.UncommittedOf(Batches.Planned("x", "ana").Owner.CustomerKey!));
        Assert.Single(ledger.UncommittedOf(Batches.Planned("x", "ben").Owner.CustomerKey!));
    }

    [Fact]
    public async Task ACartGivenAnotherShopperIsListedUnderTheNewOneWhileTheFirstsCommitIsStillOnItsWay()
    {
        await using var database = LedgerDatabase.Temporary();
        await using var ledger = LedgerWriters.On(database);
        var inside = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var anaThawed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var benThawed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ledger.BeforeCommit = batches =>
        {
            if (batches.Any(batch => batch.Owner.CustomerKey == "c-ben"))
            {
                return benThawed.Task;
            }

            inside.TrySetResult();
            return anaThawed.Task;
        };

        var first = ledger.AppendAsync(Batches.Planned("cart-1", "ana"));
        await inside.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var second = ledger.AppendAsync(Batches.Planned("cart-1", "ben"));
        anaThawed.TrySetResult();
        await first.WaitAsync(TimeSpan.FromSeconds(30));

        // Ana's commit does not take Ben's claim off the list; Ben's own commit does.
        Assert.Equal(["cart-1"], ledger.UncommittedOf(Batches.Planned("x", "ben").Owner.CustomerKey!).Select(owner => owner.Id));
        Assert.Empty(ledger.UncommittedOf(Batches.Planned("x", "ana").Owner.CustomerKey!));
        benThawed.TrySetResult();
        await second.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Empty(ledger.UncommittedOf(Batches.Planned("x", "ben").Owner.CustomerKey!));
    }
}
