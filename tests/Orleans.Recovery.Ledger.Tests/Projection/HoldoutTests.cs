using static Orleans.Recovery.Ledger.Tests.Batches;

namespace Orleans.Recovery.Ledger.Tests.Projection;

/// <summary>
/// The holdout's comparison: a cart enters its flow's treated or control group with its first marketing step, and
/// converts when its customer pays an order within the window after one of its steps came due, sent or held out.
/// </summary>
[Collection(LedgerCollection.Name)]
[Trait("Category", "Database")]
public sealed class HoldoutTests(PostgresFixture postgres)
{
    [Theory]
    [InlineData(TestLedger.Sqlite)]
    [InlineData(TestLedger.PostgreSql)]
    public async Task HoldoutEntriesConvertLikeTreatedOnesWithinTheWindow(string database)
    {
        await using var ledger = await TestLedger.StartAsync(database, postgres);
        await ledger.AppendAsync(
            Of(Cart("cart-ole", "ole"), Step("cart-ole", 1, MessageEventKind.Sent, Morning)),
            Of(Cart("cart-pia", "pia"), Step("cart-pia", 1, MessageEventKind.Skipped, Morning, SkipReason.Holdout)),
            Of(Cart("cart-quin", "quin"), Step("cart-quin", 1, MessageEventKind.Skipped, Morning, SkipReason.Holdout)));
        await ledger.AppendAsync(
            Of(Order("order-ole", "ole"), Placed(Morning.AddDays(1)), Paid(Morning.AddDays(1))),
            Of(Order("order-pia", "pia"), Placed(Morning.AddDays(1), total: 30m), Paid(Morning.AddDays(1))),
            Of(Order("order-quin", "quin"), Placed(Morning.AddDays(6)), Paid(Morning.AddDays(6))));

        var stats = await ledger.StatsAsync();
        Assert.Equal(3, stats.Entered);
        Assert.Equal((1L, 1L), (stats.Holdout.TreatedEntered, stats.Holdout.TreatedConverted));
        Assert.Equal((2L, 1L), (stats.Holdout.Entered, stats.Holdout.Converted));

        // The groups' revenue is counted on the day they entered, per currency.
        var own = (await ledger.CountsAsync()).Where(row => row.Step == 0).ToDictionary(row => row.Metric);
        Assert.Equal((Currency, 44.90m), (own[LedgerMetric.TreatedRevenue].Detail, own[LedgerMetric.TreatedRevenue].Amount));
        Assert.Equal((Currency, 30m), (own[LedgerMetric.ControlRevenue].Detail, own[LedgerMetric.ControlRevenue].Amount));

        // Held out, the control carts were never sent anything to credit.
        Assert.Equal(0, stats.Recovered);
    }

    [Theory]
    [InlineData(TestLedger.Sqlite)]
    [InlineData(TestLedger.PostgreSql)]
    public async Task AConversionUndoneByACancellationLeavesTheGroupsCounts(string database)
    {
        await using var ledger = await TestLedger.StartAsync(database, postgres);
        await ledger.AppendAsync(
            Of(Cart("cart-rui", "rui"), Step("cart-rui", 1, MessageEventKind.Skipped, Morning, SkipReason.Holdout)),
            Of(Order("order-rui", "rui"), Placed(Morning.AddHours(2)), Paid(Morning.AddHours(2))));
        Assert.Equal(1, (await ledger.StatsAsync()).Holdout.Converted);

        await ledger.AppendAsync(Of(Order("order-rui", "rui"), Cancelled(Morning.AddDays(1))));
        var own = (await ledger.CountsAsync()).Where(row => row.Step == 0).ToDictionary(row => row.Metric);
        Assert.Equal((1L, 0L, 0m), (own[LedgerMetric.ControlEntered].Count, own[LedgerMetric.ControlConverted].Count, own[LedgerMetric.ControlRevenue].Amount));
    }

    [Theory]
    [InlineData(TestLedger.Sqlite)]
    [InlineData(TestLedger.PostgreSql)]
    public async Task AFailedPaymentsEntryConvertsWhenThatOrderIsPaidNotAnotherOne(string database)
    {
        await using var ledger = await TestLedger.StartAsync(database, postgres);
        var failed = Order("order-sam", "sam");
        await ledger.AppendAsync(Of(failed,
            Placed(Morning), PaymentFailed(Morning, "declined"),
            Step("order-sam", 1, MessageEventKind.Skipped, Morning.AddHours(1), SkipReason.Holdout, FlowNames.IncompletePayment)));
        await ledger.AppendAsync(Of(Order("order-sam-2", "sam"), Placed(Morning.AddHours(2)), Paid(Morning.AddHours(2))));
        Assert.Equal((1L, 0L), await ControlOfIncompletePaymentAsync(ledger));

        await ledger.AppendAsync(Of(failed, Paid(Morning.AddHours(3))));
        Assert.Equal((1L, 1L), await ControlOfIncompletePaymentAsync(ledger));
    }

    private static async Task<(long Entered, long Converted)> ControlOfIncompletePaymentAsync(TestLedger ledger)
    {
        var holdout = (await ledger.StatsAsync(FlowNames.IncompletePayment)).Holdout;
        return (holdout.Entered, holdout.Converted);
    }
}
