using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.Recovery.Flows;
using Orleans.Recovery.Grains.Tests.Reports;
using Orleans.Recovery.Ledger;
using Orleans.Recovery.Reports;
using Orleans.Recovery.Silo.Ledger;
using Orleans.Recovery.Testing;

namespace Orleans.Recovery.Grains.Tests.Ledger;

/// <summary>Two silos' ledger writers on one real PostgreSQL database, one of them frozen in the middle of a transaction.</summary>
[Collection(ResultsCollection.Name)]
public sealed class LedgerTimeoutTests(PostgresServerFixture postgres)
{
    [Fact]
    public async Task AFrozenSilosLedgerTransactionIsEndedByTheServerWithinSecondsAndAnotherSiloCommitsMeanwhile()
    {
        await using var database = await LedgerCluster.NewLedgerAsync(postgres.Server);
        var attribution = new ServiceCollection().AddOptions().BuildServiceProvider().GetRequiredService<IOptionsMonitor<AttributionOptions>>();
        await using var frozen = new SqlLedger(database, attribution, NullLogger<SqlLedger>.Instance);
        await using var other = new SqlLedger(database, attribution, NullLogger<SqlLedger>.Instance);
        var thawed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var inside = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        frozen.BeforeCommit = _ =>
        {
            inside.TrySetResult();
            return thawed.Task;
        };

        try
        {
            var stuck = frozen.AppendAsync(Batch("cart-frozen"));
            await inside.Task.WaitAsync(TimeSpan.FromSeconds(30));

            // Another silo's entries commit while the frozen one still holds its transaction open: the server ended it.
            await Eventually.TrueAsync(async () =>
            {
                try
                {
                    await other.AppendAsync(Batch("cart-other"));
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

    private static LedgerBatch Batch(string cartId) => new(
        new LedgerOwner(LedgerOwner.Cart, cartId, $"c-{cartId}"),
        [new MessageEvent { At = new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero), MessageId = $"{cartId}/{FlowNames.CartAbandonment}/1", Flow = FlowNames.CartAbandonment, Step = 1, Marketing = true, Kind = MessageEventKind.Planned }]);
}
