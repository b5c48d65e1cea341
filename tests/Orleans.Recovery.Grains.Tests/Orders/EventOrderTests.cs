using Orleans.Recovery.Flows;
using Orleans.Recovery.FollowUps;
using Orleans.Recovery.Orders;
using Orleans.Recovery.Testing;
using Orleans.Recovery.Ledger;

namespace Orleans.Recovery.Grains.Tests.Orders;

/// <summary>Storefronts deliver payment and cancellation events late and out of order; none may start reminders it should not.</summary>
[Collection(ClusterCollection.Name)]
[Trait("Category", "Grains")]
public sealed class EventOrderTests(ClusterFixture cluster)
{
    private const string Failed = "failed";
    private const string Succeeded = "succeeded";
    private const string Cancelled = "cancelled";

    public static TheoryData<string> EveryOrdering => new(Permutations([Failed, Succeeded, Cancelled]).Select(events => string.Join(",", events)));

    [Theory]
    [MemberData(nameof(EveryOrdering))]
    public async Task NoPaymentReminderReachesAnOrderPaidOrCancelledWhateverOrderTheEventsCameIn(string ordering)
    {
        var events = ordering.Split(',');
        var shopper = new OrderScenario(cluster);
        await shopper.PlaceAsync(PaymentStatus.Pending);
        foreach (var name in events)
        {
            var outcome = name switch
            {
                Failed => await shopper.Order.PaymentFailedAsync(PaymentFailureReason.Declined, "https://shop.test/pay"),
                Succeeded => await shopper.Order.PaymentSucceededAsync(),
                _ => await shopper.Order.CancelAsync(),
            };
            var cancelledBefore = Array.IndexOf(events, Cancelled) < Array.IndexOf(events, name);
            Assert.Equal(cancelledBefore ? OrderEventOutcome.Cancelled : OrderEventOutcome.Recorded, outcome);

            // Events are moments apart, as a storefront's are: what an event sends at once has gone before the next.
            await Eventually.TrueAsync(async () => (await shopper.ViewAsync()).Pending.All(p => p.DueAt > cluster.Clock.GetUtcNow()), what: "nothing due now");
        }

        // Past the whole incomplete-payment sequence (24 h, 72 h, 7 days).
        await cluster.AdvanceUntilAsync(TimeSpan.FromDays(8), async () => (await shopper.ViewAsync()).Pending.IsEmpty, "nothing pending");
        await ControlOrderConfirmedAsync();

        var confirmed = Array.IndexOf(events, Succeeded) < Array.IndexOf(events, Cancelled);
        Assert.Equal(confirmed ? 1 : 0, cluster.Smtp.To(shopper.Email).Count(m => m.Subject!.EndsWith("is confirmed")));
        Assert.DoesNotContain(cluster.Smtp.To(shopper.Email), m => m.Headers.Contains("List-Unsubscribe"));

        // The payment failure's fate is in the log with its reason: stopped by what followed it, or ignored as too late.
        var view = await shopper.ViewAsync();
        var reminder = Assert.Single(view.Messages, m => m.Flow == FlowNames.IncompletePayment);
        Assert.Equal(MessageStatus.Skipped, reminder.Status);
        var failedAt = Array.IndexOf(events, Failed);
        var expected = events.Take(failedAt).Contains(Cancelled) ? SkipReason.OrderCancelled
            : events.Take(failedAt).Contains(Succeeded) ? SkipReason.AlreadyPaid
            : events[failedAt + 1] == Succeeded ? SkipReason.PaymentSucceeded : SkipReason.OrderCancelled;
        Assert.Equal(expected, reminder.Reason);
        Assert.NotNull(view.PaymentFailure);
    }

    [Fact]
    public async Task APaymentFailureReportedAfterAPaidOrderIsRecordedAndStartsNoReminders()
    {
        var shopper = new OrderScenario(cluster);
        await shopper.PlaceAsync(PaymentStatus.Paid);
        await shopper.WaitForMailAsync(1);

        Assert.Equal(OrderEventOutcome.Recorded, await shopper.Order.PaymentFailedAsync(PaymentFailureReason.CardExpired, "https://shop.test/pay"));
        Assert.Equal(OrderEventOutcome.Recorded, await shopper.Order.PaymentFailedAsync(PaymentFailureReason.CardExpired, "https://shop.test/pay"));

        var view = await shopper.ViewAsync();
        Assert.NotNull(view.PaidAt);
        Assert.Equal(PaymentFailureReason.CardExpired, view.PaymentFailure!.Reason);
        Assert.Empty(view.Pending);
        var ignored = Assert.Single(view.Messages, m => m.Flow == FlowNames.IncompletePayment);
        Assert.Equal((MessageStatus.Skipped, SkipReason.AlreadyPaid), (ignored.Status, ignored.Reason));

        cluster.Advance(TimeSpan.FromDays(8));
        await ControlOrderConfirmedAsync();
        Assert.Equal(1, shopper.MailCount);
    }

    /// <summary>
    /// An order paid now, whose confirmation goes out after whatever the moves of the clock before it set off: once it
    /// has arrived, a reminder they started would have too.
    /// </summary>
    private async Task ControlOrderConfirmedAsync()
    {
        var control = new OrderScenario(cluster);
        await control.PlaceAsync(PaymentStatus.Paid);
        await control.WaitForMailAsync(1);
    }

    private static IEnumerable<string[]> Permutations(string[] items) => items.Length <= 1
        ? [items]
        : items.SelectMany((item, index) => Permutations([.. items.Take(index), .. items.Skip(index + 1)]).Select(rest => (string[])[item, .. rest]));
}
