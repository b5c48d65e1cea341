using static Orleans.Recovery.Ledger.Tests.Batches;

namespace Orleans.Recovery.Ledger.Tests.Writing;

/// <summary>Unique clicks count on the day of a message's first click, whatever order the clicks reach the ledger in.</summary>
[Collection(LedgerCollection.Name)]
[Trait("Category", "Database")]
public sealed class FirstClickTests(PostgresFixture postgres)
{
    [Theory]
    [InlineData(TestLedger.Sqlite)]
    [InlineData(TestLedger.PostgreSql)]
    public async Task AFirstClickMovedEarlierMovesTheUniqueClickToItsDay(string database)
    {
        await using var ledger = await TestLedger.StartAsync(database, postgres);
        var cart = Cart("cart-cleo", "cleo");
        await ledger.AppendAsync(Of(cart, Step("cart-cleo", 1, MessageEventKind.Sent, Morning)));
        await ledger.AppendAsync(Of(cart, Step("cart-cleo", 1, MessageEventKind.Clicked, Morning.AddDays(1))));
        Assert.Equal(new long[] { 0, 1, 0 }, await ClicksPerDayAsync(ledger));

        // A click from the day before reaches the ledger late (another device's, relayed later): the click moves to it.
        await ledger.AppendAsync(Of(cart, Step("cart-cleo", 1, MessageEventKind.Clicked, Morning.AddHours(2))));
        Assert.Equal(new long[] { 1, 0, 0 }, await ClicksPerDayAsync(ledger));

        // A later one moves nothing, and the message still has one unique click.
        await ledger.AppendAsync(Of(cart, Step("cart-cleo", 1, MessageEventKind.Clicked, Morning.AddDays(2))));
        Assert.Equal(new long[] { 1, 0, 0 }, await ClicksPerDayAsync(ledger));
        Assert.Equal(1, (await ledger.StatsAsync()).Clicked);
    }

    /// <summary>The chart's unique clicks of today and the two days after.</summary>
    private static async Task<long[]> ClicksPerDayAsync(TestLedger ledger)
    {
        var rows = await ledger.Query<DailyCountsQuery>().DailyAsync(Today, Today.AddDays(2), null, CancellationToken.None);
        return [.. Enumerable.Range(0, 3).Select(day => rows.Where(row => row.Day == Today.AddDays(day) && row.Row.Metric == LedgerMetric.Clicked).Sum(row => row.Row.Count))];
    }
}
