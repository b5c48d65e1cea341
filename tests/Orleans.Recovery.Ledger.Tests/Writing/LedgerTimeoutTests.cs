using Orleans.Recovery.Testing;

namespace Orleans.Recovery.Ledger.Tests.Writing;

/// <summary>Two silos' ledger writers on one real PostgreSQL database, one of them frozen in the middle of a transaction.</summary>
[Collection(LedgerCollection.Name)]
[Trait("Category", "Database")]
public sealed class LedgerTimeoutTests(PostgresFixture postgres)
{
    private static readonly DateTimeOffset Morning = Batches.Morning;

    [Fact]
    public async Task AnotherCustomersEntriesCommitAtOnceWhileOneSilosTransactionIsHeld()
    {
        await using var database = await postgres.NewLedgerAsync();
        await using var frozen = LedgerWriters.On(database);
        await using var other = LedgerWriters.On(database);
        var (inside, thawed) = Freeze(frozen);
        try
        {
            var held = frozen.AppendAsync(Batch("cart-held"));
            await inside.Task.WaitAsync(TimeSpan.FromSeconds(30));

            await other.AppendAsync(Batch("cart-free")).WaitAsync(TimeSpan.FromSeconds(30));

            // The held transaction was never ended on the way: nothing cluster-wide stood between the two.
            thawed.SetResult();
            await held;
        }
        finally
        {
            thawed.TrySetResult();
        }

        Assert.Equal(2, await CountAsync(database, "SELECT count(*) FROM recovery_messages"));
    }

    [Fact]
    public async Task ATouchAndAPaidOrderOfOneCustomerCommittedSideBySideByTwoSilosAreAttributed()
    {
        await using var database = await postgres.NewLedgerAsync();
        await using var touches = LedgerWriters.On(database);
        await using var orders = LedgerWriters.On(database);
        var (inside, thawed) = Freeze(touches);
        var customer = new LedgerOwner(LedgerOwner.Cart, "cart-touched", "c-touched");
        var messageId = $"cart-touched/{FlowNames.CartAbandonment}/1";
        try
        {
            var clicked = touches.AppendAsync(new LedgerBatch(customer,
            [
                new MessageEvent { At = Morning, MessageId = messageId, Flow = FlowNames.CartAbandonment, Step = 1, Marketing = true, Kind = MessageEventKind.Sent },
                new MessageEvent { At = Morning.AddMinutes(5), MessageId = messageId, Flow = FlowNames.CartAbandonment, Step = 1, Marketing = true, Kind = MessageEventKind.Clicked },
            ]));
            await inside.Task.WaitAsync(TimeSpan.FromSeconds(30));

            // The order's silo commits while the click is still uncommitted: it waits for the customer, not for the cluster.
            var paid = orders.AppendAsync(new LedgerBatch(new LedgerOwner(LedgerOwner.Order, "order-touched", "c-touched"),
            [
                new OrderEvent { At = Morning.AddMinutes(10), Kind = OrderEventKind.Placed, Currency = "EUR", Subtotal = 40m, Total = 44.90m, CartId = "cart-touched" },
                new OrderEvent { At = Morning.AddMinutes(10), Kind = OrderEventKind.Paid },
            ]));
            await Eventually.TrueAsync(async () => paid.IsCompleted || await CountAsync(database, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted") > 0,
                what: "the order's transaction to commit or to wait for its customer");

            thawed.SetResult();
            await Task.WhenAll(clicked, paid).WaitAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            thawed.TrySetResult();
        }

        Assert.Equal(1, await CountAsync(database, $"SELECT count(*) FROM recovery_attributions WHERE order_id = 'order-touched' AND message_id = '{messageId}'"));
    }

    [Fact]
    public async Task AFrozenSilosTransactionIsEndedByTheServerWithinSecondsAndTheSameCustomersEntriesCommitMeanwhile()
    {
        await using var database = await postgres.NewLedgerAsync();
        await using var frozen = LedgerWriters.On(database);
        await using var other = LedgerWriters.On(database);
        var (inside, thawed) = Freeze(frozen);

        try
        {
            var stuck = frozen.AppendAsync(Batch("cart-frozen"));
            await inside.Task.WaitAsync(TimeSpan.FromSeconds(30));

            // The same customer's entries from another silo wait for the frozen one, which the server ends.
            await Eventually.TrueAsync(async () =>
            {
                try
                {
                    await other.AppendAsync(Batch("cart-frozen", "cart-other"));
                    return true;
                }
                catch (Exception)
                {
                    return false;
                }
            }, what: "another silo's ledger transaction to commit", timeout: TimeSpan.FromSeconds(60));
            Assert.False(stuck.IsCompleted);

            // When the frozen silo wakes, its transaction is gone: its grains keep the entries and append them again.
            thawed.SetResult();
            await Assert.ThrowsAnyAsync<Exception>(() => stuck);
        }
        finally
        {
            thawed.TrySetResult();
        }
    }

    /// <summary>Makes <paramref name="ledger"/> stop inside its next transaction, before the commit, until thawed.</summary>
    private static (TaskCompletionSource Inside, TaskCompletionSource Thawed) Freeze(SqlLedger ledger)
    {
        var inside = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thawed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ledger.BeforeCommit = _ =>
        {
            inside.TrySetResult();
            return thawed.Task;
        };
        return (inside, thawed);
    }

    private static async Task<long> CountAsync(LedgerDatabase database, string sql)
    {
        await using var connection = await database.OpenAsync();
        await using var command = LedgerDatabase.Command(connection, null, sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    private static LedgerBatch Batch(string customer, string? cartId = null) => Batches.Planned(cartId ?? customer, customer);
}
