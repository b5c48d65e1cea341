using static Orleans.Recovery.Ledger.Tests.Batches;

namespace Orleans.Recovery.Ledger.Tests.Projection;

/// <summary>
/// Orders credited to the recovery mail sent before them (the send model, five days' window), worked out again from
/// the customer's rows whenever one of them changes, in whatever order they reach the ledger.
/// </summary>
[Collection(LedgerCollection.Name)]
[Trait("Category", "Database")]
public sealed class AttributionTests(PostgresFixture postgres)
{
    private static readonly Dictionary<string, string?> SendModel = new() { ["Recovery:Attribution:Model"] = "Send" };

    private static LedgerBatch Reminder(string customer) =>
        Of(Cart($"cart-{customer}", customer), Step($"cart-{customer}", 2, MessageEventKind.Sent, Morning, variant: "urgent"));

    [Theory]
    [InlineData(TestLedger.Sqlite)]
    [InlineData(TestLedger.PostgreSql)]
    public async Task APaidOrderAfterAReminderIsCreditedToItOnce(string database)
    {
        await using var ledger = await TestLedger.StartAsync(database, postgres, SendModel);
        await ledger.AppendAsync(Reminder("gus"));
        await ledger.AppendAsync(Of(Order("order-gus", "gus"), Placed(Morning.AddHours(5)), Paid(Morning.AddHours(6))));
        await ledger.AppendAsync(Of(Order("order-gus", "gus"), Paid(Morning.AddHours(7))));

        var stats = await ledger.StatsAsync();
        Assert.Equal(1, stats.Recovered);
        Assert.Equal([new CurrencyAmount(Currency, 44.90m)], stats.Revenue);
        var step = Assert.Single(stats.Steps);
        Assert.Equal((2, 1L), (step.Step, step.Recovered));
        Assert.Equal(("urgent", 1L, 1L), (step.Variants.Single().Variant, step.Variants.Single().Sent, step.Variants.Single().Recovered));
    }

    [Theory]
    [InlineData(TestLedger.Sqlite)]
    [InlineData(TestLedger.PostgreSql)]
    public async Task AnUnpaidOrderIsNotCreditedUntilItIsPaid(string database)
    {
        await using var ledger = await TestLedger.StartAsync(database, postgres, SendModel);
        await ledger.AppendAsync(Reminder("hal"), Of(Order("order-hal", "hal"), Placed(Morning.AddHours(5))));
        Assert.Equal(0, (await ledger.StatsAsync()).Recovered);

        await ledger.AppendAsync(Of(Order("order-hal", "hal"), Paid(Morning.AddDays(1))));
        Assert.Equal(1, (await ledger.StatsAsync()).Recovered);
    }

    [Theory]
    [InlineData(TestLedger.Sqlite)]
    [InlineData(TestLedger.PostgreSql)]
    public async Task ACancelledOrderLosesItsCredit(string database)
    {
        await using var ledger = await TestLedger.StartAsync(database, postgres, SendModel);
        await ledger.AppendAsync(Reminder("ida"), Of(Order("order-ida", "ida"), Placed(Morning.AddHours(5)), Paid(Morning.AddHours(5))));
        Assert.Equal(1, (await ledger.StatsAsync()).Recovered);

        await ledger.AppendAsync(Of(Order("order-ida", "ida"), Cancelled(Morning.AddDays(2))));
        var stats = await ledger.StatsAsync();
        Assert.Equal(0, stats.Recovered);
        Assert.Empty(stats.Revenue);
    }

    [Theory]
    [InlineData(TestLedger.Sqlite)]
    [InlineData(TestLedger.PostgreSql)]
    public async Task AReminderThatReachesTheLedgerAfterThePaidOrderIsCreditedAsIfInTime(string database)
    {
        await using var ledger = await TestLedger.StartAsync(database, postgres, SendModel);
        await ledger.AppendAsync(Of(Order("order-jo", "jo"), Placed(Morning.AddHours(5)), Paid(Morning.AddHours(5))));
        await ledger.AppendAsync(Reminder("jo"));

        Assert.Equal(1, (await ledger.StatsAsync()).Recovered);
    }

    [Theory]
    [InlineData(TestLedger.Sqlite)]
    [InlineData(TestLedger.PostgreSql)]
    public async Task AnOrderOfAnotherCustomerOrPaidAfterTheWindowIsNotCredited(string database)
    {
        await using var ledger = await TestLedger.StartAsync(database, postgres, SendModel);
        await ledger.AppendAsync(
            Reminder("kai"),
            Of(Order("order-lea", "lea"), Placed(Morning.AddHours(5)), Paid(Morning.AddHours(5))),
            Reminder("max"),
            Of(Order("order-max", "max"), Placed(Morning.AddDays(6)), Paid(Morning.AddDays(6))));

        Assert.Equal(0, (await ledger.StatsAsync()).Recovered);
    }

    [Theory]
    [InlineData(TestLedger.Sqlite)]
    [InlineData(TestLedger.PostgreSql)]
    public async Task AnOrderUnderTheShopsCustomerIdIsCreditedToTheReminderSentToTheirAddress(string database)
    {
        await using var ledger = await TestLedger.StartAsync(database, postgres, SendModel);
        await ledger.AppendAsync(Of(Cart("cart-nia", "nia") with { ShopCustomerId = "shop-7" }, Step("cart-nia", 2, MessageEventKind.Sent, Morning)));

        // Bought under another address, but signed in: the shop's own id stitches the two together.
        await ledger.AppendAsync(Of(Order("order-nia", "nia-work") with { ShopCustomerId = "shop-7" }, Placed(Morning.AddHours(5)), Paid(Morning.AddHours(5))));

        Assert.Equal(1, (await ledger.StatsAsync()).Recovered);
    }
}
