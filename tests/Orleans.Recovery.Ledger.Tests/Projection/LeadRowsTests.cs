using static Orleans.Recovery.Ledger.Tests.Batches;

namespace Orleans.Recovery.Ledger.Tests.Projection;

/// <summary>The leads list shows each cart as its grain last had it, however its appends reach the ledger.</summary>
[Collection(LedgerCollection.Name)]
[Trait("Category", "Database")]
public sealed class LeadRowsTests(PostgresFixture postgres)
{
    [Theory]
    [InlineData(TestLedger.Sqlite)]
    [InlineData(TestLedger.PostgreSql)]
    public async Task ALeadOfANewerRevisionWinsOverAnOlderOneArrivingLater(string database)
    {
        await using var ledger = await TestLedger.StartAsync(database, postgres);
        await ledger.AppendAsync(CartLead("cart-dan", "dan", revision: 2, stepsSent: 2, total: 60m));
        await ledger.AppendAsync(CartLead("cart-dan", "dan", revision: 1, stepsSent: 1, total: 50m));

        var lead = Assert.Single(await LeadsAsync(ledger));
        Assert.Equal((2, 60m, LeadStatus.Open), (lead.StepsSent, lead.Total, lead.Status));

        await ledger.AppendAsync(CartLead("cart-dan", "dan", revision: 3, stepsSent: 3, total: 60m));
        Assert.Equal(3, Assert.Single(await LeadsAsync(ledger)).StepsSent);
    }

    [Theory]
    [InlineData(TestLedger.Sqlite)]
    [InlineData(TestLedger.PostgreSql)]
    public async Task AForgottenCartsLeadKeepsItsFiguresButNotTheShoppersName(string database)
    {
        await using var ledger = await TestLedger.StartAsync(database, postgres);
        await ledger.AppendAsync(CartLead("cart-eva", "eva", revision: 1, stepsSent: 2));
        await ledger.AppendAsync(Of(Cart("cart-eva", "eva"), new Forgotten { At = Morning.AddDays(1) }));

        var lead = Assert.Single(await LeadsAsync(ledger));
        Assert.Equal(("", "", null), (lead.Email, lead.FirstName, lead.LastName));
        Assert.Equal((2, 44.90m, Currency), (lead.StepsSent, lead.Total, lead.Currency));
    }

    [Theory]
    [InlineData(TestLedger.Sqlite)]
    [InlineData(TestLedger.PostgreSql)]
    public async Task AnErasedCustomersLeadIsNotWrittenAgain(string database)
    {
        await using var ledger = await TestLedger.StartAsync(database, postgres);
        await ledger.AppendAsync(CartLead("cart-finn", "finn", revision: 1, stepsSent: 1));
        Assert.Equal(1, await ledger.Query<LedgerErasure>().EraseAsync("c-finn", Morning.AddDays(1)));

        // The grain, not yet told, appends its lead again.
        await ledger.AppendAsync(CartLead("cart-finn", "finn", revision: 2, stepsSent: 2));
        Assert.Empty(await LeadsAsync(ledger));
    }

    private static Task<List<LeadView>> LeadsAsync(TestLedger ledger) => ledger.Query<LeadListQuery>()
        .LeadsAsync(new LeadQuery(Today.AddDays(-1), Today.AddDays(30), null, null, 0, null), Morning.AddDays(1), CancellationToken.None)
        .ToListAsync().AsTask();
}
