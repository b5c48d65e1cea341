using static Orleans.Recovery.Ledger.Tests.Batches;

namespace Orleans.Recovery.Ledger.Tests.Writing;

/// <summary>A grain appends its entries again after a crash or a retry; the ledger keys every row, so nothing counts twice.</summary>
[Collection(LedgerCollection.Name)]
[Trait("Category", "Database")]
public sealed class AppendAgainTests(PostgresFixture postgres)
{
    [Theory]
    [InlineData(TestLedger.Sqlite)]
    [InlineData(TestLedger.PostgreSql)]
    public async Task AnAppendedBatchAppendedAgainChangesNoCount(string database)
    {
        await using var ledger = await TestLedger.StartAsync(database, postgres);
        LedgerBatch[] batches =
        [
            Of(Cart("cart-ana", "ana"),
                Step("cart-ana", 1, MessageEventKind.Planned, Morning),
                Step("cart-ana", 1, MessageEventKind.Sent, Morning.AddHours(1)),
                Step("cart-ana", 1, MessageEventKind.Clicked, Morning.AddHours(2)),
                Step("cart-ana", 2, MessageEventKind.Skipped, Morning.AddHours(3), SkipReason.Purchased)),
            Of(Order("order-ana", "ana"), Placed(Morning.AddHours(3), cartId: "cart-ana"), Paid(Morning.AddHours(3))),
            Of(new LedgerOwner(LedgerOwner.Coupon, "SAVE10", "c-ana"),
                new CouponRedeemed { At = Morning.AddHours(3), Code = "SAVE10", OrderId = "order-ana", PercentOff = 10m }),
        ];
        await ledger.AppendAsync(batches);
        var counts = await ledger.CountsAsync();
        var stats = await ledger.StatsAsync();
        Assert.Equal((1L, 1L, 1L, 1L), (stats.Entered, stats.Sent, stats.Clicked, stats.Recovered));
        Assert.Equal([new CurrencyAmount(Currency, 44.90m)], stats.Revenue);
        Assert.Equal([new CurrencyAmount(Currency, 4.00m)], stats.Discounts);

        // Again one grain at a time, as each retries on its own; then all together, as one silo's transaction.
        await ledger.AppendAsync(batches);
        Assert.Equal(counts, await ledger.CountsAsync());
        await ledger.AppendTogetherAsync(batches);
        Assert.Equal(counts, await ledger.CountsAsync());
    }

    [Theory]
    [InlineData(TestLedger.Sqlite)]
    [InlineData(TestLedger.PostgreSql)]
    public async Task ALinkClickedOverAndOverCountsOneUniqueClickAndKeepsOnlyItsFirstClicks(string database)
    {
        await using var ledger = await TestLedger.StartAsync(database, postgres);
        await ledger.AppendAsync(Of(Cart("cart-ben", "ben"), Step("cart-ben", 1, MessageEventKind.Sent, Morning)));

        var clicks = Enumerable.Range(1, 30).Select(minute => Step("cart-ben", 1, MessageEventKind.Clicked, Morning.AddMinutes(minute))).ToArray<LedgerEntry>();
        await ledger.AppendAsync(Of(Cart("cart-ben", "ben"), clicks));

        Assert.Equal(1, (await ledger.StatsAsync()).Clicked);
        var events = (await ledger.Query<CustomerLedgerQuery>().CustomerAsync("c-ben", Morning, CancellationToken.None)).Messages.Single().Events;
        Assert.Equal(LedgerRows.ClicksKept, events.Count(e => e.Kind == LedgerMetric.Clicked));
    }
}
