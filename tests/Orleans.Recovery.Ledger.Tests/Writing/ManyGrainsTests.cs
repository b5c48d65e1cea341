using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;
using static Orleans.Recovery.Ledger.Tests.Batches;

namespace Orleans.Recovery.Ledger.Tests.Writing;

/// <summary>
/// A silo's burst: many grains' batches in one transaction. On PostgreSQL the transaction costs a few statements
/// however many grains it holds (issue 28's budget, counted by the server), and writes exactly the rows and counts
/// that SQLite's row-by-row path writes for the same batches.
/// </summary>
[Collection(LedgerCollection.Name)]
[Trait("Category", "Database")]
public sealed class ManyGrainsTests(PostgresFixture postgres, ITestOutputHelper output)
{
    private const int Grains = 200;

    /// <summary>Statements a transaction may cost on PostgreSQL, whatever its grains: the pool's reset, BEGIN and COMMIT included.</summary>
    private const int StatementsPerTransaction = 15;

    [Fact]
    public async Task TwoHundredCartSnapshotsAndTwoHundredDeliveriesCostAFewStatementsEachAndWriteWhatRowByRowWrites()
    {
        await using var postgreSql = await postgres.NewLedgerAsync();
        await using var sqlite = LedgerDatabase.Temporary();
        await using var onPostgreSql = LedgerWriters.On(postgreSql);
        await using var onSqlite = LedgerWriters.On(sqlite);
        var statements = await ServerStatements.OnAsync(postgreSql);
        var costs = new List<long>();
        foreach (var (what, batches) in new[]
        {
            ("cart snapshots", Enumerable.Range(0, Grains).Select(Snapshot).ToList()),
            ("delivered messages", Enumerable.Range(0, Grains).Select(Delivered).ToList()),
        })
        {
            await OneTransaction.AppendAsync(onSqlite, batches);
            var before = statements;
            await OneTransaction.AppendAsync(onPostgreSql, batches, queued: async () => before = await statements.TakeAsync());
            var ran = (await statements.TakeAsync()).Since(before);
            output.WriteLine($"{Grains} {what} in one transaction: {ran.Sum(s => s.Calls)} statements{Environment.NewLine}{ServerStatements.Describe(ran)}");

            costs.Add(ran.Sum(s => s.Calls));
            await LedgerTables.AssertSameAsync(sqlite, postgreSql);
        }

        Assert.All(costs, cost => Assert.InRange(cost, 1, StatementsPerTransaction));
    }

    [Fact]
    public async Task EntriesThatBuildOnEachOtherInOneTransactionWriteWhatRowByRowWrites()
    {
        await using var postgreSql = await postgres.NewLedgerAsync();
        await using var sqlite = LedgerDatabase.Temporary();
        var statements = await ServerStatements.OnAsync(postgreSql);
        foreach (var database in new[] { sqlite, postgreSql })
        {
            await using var ledger = LedgerWriters.On(database);
            await OneTransaction.AppendAsync(ledger, Earlier);
            await new LedgerErasure(database, new DatabaseVacuum(database, NullLogger<DatabaseVacuum>.Instance)).EraseAsync("c-gone", Morning);
            var before = statements;
            await OneTransaction.AppendAsync(ledger, Together, queued: async () => before = database == postgreSql ? await statements.TakeAsync() : before);
            if (database == postgreSql)
            {
                var ran = (await statements.TakeAsync()).Since(before);
                output.WriteLine($"{Together.Length} grains' mixed entries in one transaction: {ran.Sum(s => s.Calls)} statements{Environment.NewLine}{ServerStatements.Describe(ran)}");
            }
        }

        await LedgerTables.AssertSameAsync(sqlite, postgreSql);
    }

    private static LedgerOwner CartOf(int i) => new(LedgerOwner.Cart, $"cart-{i}", $"c-{i}", i % 10 == 0 ? $"shop-{i}" : null);

    /// <summary>A new cart, as its grain appends it: its first step planned.</summary>
    private static LedgerBatch Snapshot(int i) => Of(CartOf(i), Step($"cart-{i}", 1, MessageEventKind.Planned, Morning.AddMinutes(i)));

    /// <summary>The first step delivered, as the grain appends it: sent (some with a variant and a coupon), the next step planned, and the cart as a lead.</summary>
    private static LedgerBatch Delivered(int i) => new(
        CartOf(i),
        [
            Step($"cart-{i}", 1, MessageEventKind.Sent, Morning.AddHours(1).AddMinutes(i), variant: i % 2 == 0 ? "urgent" : null) with { CouponCode = i % 3 == 0 ? $"SAVE-{i}" : null },
            Step($"cart-{i}", 2, MessageEventKind.Planned, Morning.AddHours(1).AddMinutes(i)),
        ],
        CartLead($"cart-{i}", $"{i}", revision: 2, stepsSent: 1).Lead,
        2);

    private static DateTimeOffset At(int minutes) => Morning.AddMinutes(minutes);

    /// <summary>What the ledger holds before: a sent and clicked message with its variant, a lead, an erased customer's lead, a lone send.</summary>
    private static readonly LedgerBatch[] Earlier =
    [
        new(Cart("cart-pre", "pre"), [Step("cart-pre", 1, MessageEventKind.Sent, At(0), variant: "urgent"), Step("cart-pre", 1, MessageEventKind.Clicked, At(180))],
            CartLead("cart-pre", "pre", revision: 5, stepsSent: 1).Lead, 5),
        CartLead("cart-gone", "gone", revision: 1, stepsSent: 1),
        Of(Cart("cart-flood", "flood"), Step("cart-flood", 1, MessageEventKind.Sent, At(0))),
    ];

    private static readonly LedgerBatch Mixed = Of(Cart("cart-mix", "mix") with { ShopCustomerId = "shop-mix" },
        Step("cart-mix", 1, MessageEventKind.Planned, At(0)),
        Step("cart-mix", 1, MessageEventKind.Sent, At(10), variant: "calm") with { CouponCode = "MIX10" },
        Step("cart-mix", 1, MessageEventKind.Clicked, At(20)),
        Step("cart-mix", 1, MessageEventKind.Clicked, At(20)),
        Step("cart-mix", 2, MessageEventKind.Planned, At(10)),
        Step("cart-mix", 2, MessageEventKind.Skipped, At(30), SkipReason.Purchased));

    /// <summary>One transaction's worth of entries that depend on each other, on what came before, and on their order.</summary>
    private static readonly LedgerBatch[] Together =
    [
        // A click earlier than the first one known moves the unique click; the older lead loses to the newer one held.
        new(Cart("cart-pre", "pre"), [Step("cart-pre", 1, MessageEventKind.Clicked, At(60)), Step("cart-pre", 1, MessageEventKind.Clicked, At(120))],
            CartLead("cart-pre", "pre", revision: 4, stepsSent: 9).Lead, 4),
        Mixed,

        // The same grain again, as an append retried while the first was queued, with one entry more.
        Mixed with { Entries = [.. Mixed.Entries, Step("cart-mix", 3, MessageEventKind.Deferred, At(40), SkipReason.QuietHours)] },

        // Held out first, then sent: the control group, from the first marketing step that came due.
        Of(Cart("cart-hold", "hold"), Step("cart-hold", 1, MessageEventKind.Skipped, At(5), SkipReason.Holdout), Step("cart-hold", 2, MessageEventKind.Sent, At(50))),

        // A service message enters the flow without a group; the marketing step after it sets the group.
        Of(Cart("cart-plain", "plain"),
            Step("cart-plain", 1, MessageEventKind.Sent, At(5)) with { Marketing = false },
            Step("cart-plain", 2, MessageEventKind.Skipped, At(15), SkipReason.Unsubscribed)),

        // The variant changes in the middle: each event counts under the variant the message had then.
        Of(Cart("cart-vary", "vary"),
            Step("cart-vary", 1, MessageEventKind.Sent, At(5), variant: "a"),
            Step("cart-vary", 1, MessageEventKind.Clicked, At(6)),
            Step("cart-vary", 1, MessageEventKind.Complained, At(7), variant: "b"),
            Step("cart-vary", 1, MessageEventKind.Clicked, At(4))),
        Of(Cart("cart-flood", "flood"), [.. Enumerable.Range(1, 25).Select(minute => Step("cart-flood", 1, MessageEventKind.Clicked, At(minute)))]),

        // Leads: the newest revision wins whatever the order; forgetting strips what came before it, not what comes after.
        CartLead("cart-lead", "lead", revision: 2, stepsSent: 2),
        CartLead("cart-lead", "lead", revision: 3, stepsSent: 3),
        CartLead("cart-lead", "lead", revision: 1, stepsSent: 1),
        CartLead("cart-forget", "forget", revision: 1, stepsSent: 1),
        Of(Cart("cart-forget", "forget"), new Forgotten { At = At(70) }),
        CartLead("cart-forget", "forget", revision: 2, stepsSent: 2),
        CartLead("cart-forgotten", "forgotten", revision: 1, stepsSent: 1),
        Of(Cart("cart-forgotten", "forgotten"), new Forgotten { At = At(70) }),
        CartLead("cart-gone", "gone", revision: 2, stepsSent: 2),

        // The rare entries: an order paid after the send, its coupon, an unsubscribe.
        Of(Order("order-mix", "mix") with { ShopCustomerId = "shop-mix" }, Placed(At(90), cartId: "cart-mix"), Paid(At(95))),
        Of(new LedgerOwner(LedgerOwner.Coupon, "MIX10", "c-mix"), new CouponRedeemed { At = At(90), Code = "MIX10", OrderId = "order-mix", PercentOff = 10m }),
        Of(new LedgerOwner(LedgerOwner.Customer, "c-plain", "c-plain"), new Unsubscribed { At = At(100) }),
    ];
}
