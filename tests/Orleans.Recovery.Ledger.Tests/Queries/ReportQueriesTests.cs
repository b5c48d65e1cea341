using static Orleans.Recovery.Ledger.Tests.Batches;

namespace Orleans.Recovery.Ledger.Tests.Queries;

/// <summary>The reports the API and the console read, each from the ledger's own tables.</summary>
[Collection(LedgerCollection.Name)]
[Trait("Category", "Database")]
public sealed class ReportQueriesTests(PostgresFixture postgres)
{
    [Theory]
    [InlineData(TestLedger.Sqlite)]
    [InlineData(TestLedger.PostgreSql)]
    public async Task AFollowUpIsPendingFromItsPlanUntilItIsSentOrSkipped(string database)
    {
        await using var ledger = await TestLedger.StartAsync(database, postgres);
        await ledger.AppendAsync(Planned("cart-tom", "tom"), Planned("cart-una", "una"), Planned("cart-vic", "vic"));
        await ledger.AppendAsync(
            Of(Cart("cart-tom", "tom"), Step("cart-tom", 1, MessageEventKind.Sent, Morning.AddHours(1))),
            Of(Cart("cart-una", "una"), Step("cart-una", 1, MessageEventKind.Skipped, Morning.AddHours(1), SkipReason.Purchased)),
            Of(Cart("cart-vic", "vic"), Step("cart-vic", 1, MessageEventKind.Deferred, Morning.AddHours(1), SkipReason.QuietHours)));

        var pending = await ledger.Query<PendingFollowUpsQuery>().PendingAsync(CancellationToken.None);
        Assert.Equal(new Dictionary<string, long> { [FlowNames.CartAbandonment] = 1 }, pending);
    }

    [Theory]
    [InlineData(TestLedger.Sqlite)]
    [InlineData(TestLedger.PostgreSql)]
    public async Task AFailedPaymentPaidAfterItsReminderIsRecoveredByIt(string database)
    {
        await using var ledger = await TestLedger.StartAsync(database, postgres);
        await ledger.AppendAsync(
            Of(Order("order-wes", "wes"), Placed(Morning), PaymentFailed(Morning, "insufficient_funds"),
                Step("order-wes", 1, MessageEventKind.Sent, Morning.AddHours(1), flow: FlowNames.IncompletePayment)),
            Of(Order("order-xia", "xia"), Placed(Morning), PaymentFailed(Morning.AddHours(2), "declined")));
        await ledger.AppendAsync(Of(Order("order-wes", "wes"), Paid(Morning.AddHours(4))));

        var payments = await ledger.Query<FailedPaymentsQuery>().FailedPaymentsAsync(Today, Today, Morning.AddDays(1), CancellationToken.None);
        Assert.Equal(["order-xia", "order-wes"], payments.Select(payment => payment.OrderId));
        var (open, paid) = (payments[0], payments[1]);
        Assert.Equal(("declined", LeadStatus.Open, 0, (DateTimeOffset?)null, (string?)null), (open.Reason, open.Status, open.RemindersSent, open.PaidAt, open.RecoveredBy));
        Assert.Equal(("insufficient_funds", LeadStatus.Recovered, 1, Morning.AddHours(4), "order-wes/incomplete-payment/1", 44.90m),
            (paid.Reason, paid.Status, paid.RemindersSent, paid.PaidAt!.Value, paid.RecoveredBy, paid.Total));
    }

    [Theory]
    [InlineData(TestLedger.Sqlite)]
    [InlineData(TestLedger.PostgreSql)]
    public async Task ACustomersLedgerHoldsTheirCartsOrdersCouponsMessagesAndLeads(string database)
    {
        await using var ledger = await TestLedger.StartAsync(database, postgres);
        await ledger.AppendAsync(
            Of(Cart("cart-yve", "yve"),
                Step("cart-yve", 1, MessageEventKind.Planned, Morning),
                Step("cart-yve", 1, MessageEventKind.Sent, Morning.AddHours(1)) with { CouponCode = "YVE10" }),
            Of(Order("order-yve", "yve"), Placed(Morning.AddHours(2), cartId: "cart-yve")),
            Of(new LedgerOwner(LedgerOwner.Customer, "c-yve", "c-yve"), new Unsubscribed { At = Morning.AddHours(3) }),
            CartLead("cart-yve", "yve", revision: 1, stepsSent: 1),
            Planned("cart-zoe", "zoe"));

        var yve = await ledger.Query<CustomerLedgerQuery>().CustomerAsync("c-yve", Morning.AddDays(1), CancellationToken.None);
        Assert.Equal(["cart-yve"], yve.CartIds);
        Assert.Equal(["order-yve"], yve.OrderIds);
        Assert.Equal(["YVE10"], yve.CouponCodes);
        var message = Assert.Single(yve.Messages);
        Assert.Equal(("cart-yve/cart-abandonment/1", Morning, Morning.AddHours(1)), (message.MessageId, message.PlannedAt!.Value, message.SentAt!.Value));
        Assert.Equal([LedgerMetric.Planned, LedgerMetric.Sent], message.Events.Select(e => e.Kind));
        Assert.Equal(LeadStatus.Unsubscribed, Assert.Single(yve.Leads).Status);
        Assert.Equal((Morning.AddHours(3), (DateTimeOffset?)null), (yve.UnsubscribedAt!.Value, yve.ErasedAt));
    }
}
