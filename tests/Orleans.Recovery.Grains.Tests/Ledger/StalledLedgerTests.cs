using Orleans.Recovery.Carts;
using Orleans.Recovery.Coupons;
using Orleans.Recovery.Customers;
using Orleans.Recovery.Flows;
using Orleans.Recovery.Grains.Tests.Carts;
using Orleans.Recovery.Orders;
using Orleans.Recovery.Testing;
using Orleans.Recovery.Ledger;
using Orleans.Recovery.FollowUps;

namespace Orleans.Recovery.Grains.Tests.Ledger;

/// <summary>
/// The ledger's transaction held open, as by a silo frozen in the middle of one: the storefront's calls answer
/// without it, and the grains keep what the ledger has not confirmed until it has.
/// </summary>
[Collection(ClusterCollection.Name)]
[Trait("Category", "Grains")]
public sealed class StalledLedgerTests(ClusterFixture cluster)
{
    [Fact]
    public async Task APurchasedCartsAndItsConfirmedOrdersRemindersGoOnceTheLedgerHasTheirEntriesWithoutWaitingForATick()
    {
        var shopper = new CartScenario(cluster);
        await shopper.PutAsync();
        var order = shopper.Order(shopper.CartId);
        var orderGrain = cluster.Grains.GetGrain<IOrderGrain>(order.OrderId);
        Assert.True(await orderGrain.PlaceAsync(order));
        await Eventually.TrueAsync(() => cluster.Smtp.To(shopper.Email).Any(), what: "the order's confirmation");

        await Eventually.TrueAsync(async () => await shopper.RemindersAsync() == 0, what: "the purchased cart's reminder to go");
        await Eventually.TrueAsync(async () => await cluster.RemindersOfAsync(orderGrain) == 0, what: "the confirmed order's reminder to go");
        Assert.Equal(CartStatus.Purchased, (await shopper.ViewAsync()).Status);
    }

    [Fact]
    public async Task StorefrontCallsAnswerWhileTheLedgerIsStuckAndItsEntriesFollowOnceItMoves()
    {
        var shopper = new CartScenario(cluster);
        await shopper.PutAsync();
        var now = cluster.Clock.GetUtcNow();
        var code = ("STALL-" + Guid.NewGuid().ToString("N")[..10]).ToUpperInvariant();
        var coupon = cluster.Grains.GetGrain<ICouponGrain>(code);
        await coupon.IssueAsync(new CouponIssue(code, 10m, now, now.AddDays(7), AbandonedCartPlan.MessageId(shopper.CartId, 2), FlowNames.CartAbandonment, TestCustomerKeys.Of(shopper.Email)));
        await cluster.LedgerSettledAsync();

        var stuck = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        cluster.LedgerWriter.BeforeCommit = _ =>
        {
            held.TrySetResult();
            return stuck.Task;
        };
        try
        {
            // The first call finds the ledger free and leaves it holding its transaction; the rest come behind it.
            var deleted = shopper.Cart.DeleteAsync();
            await held.Task.WaitAsync(TimeSpan.FromSeconds(30));
            var storefront = Task.WhenAll(
                deleted,
                cluster.Grains.GetGrain<ICustomerGrain>(TestCustomerKeys.Of(shopper.Email)).UnsubscribeAsync(),
                coupon.RedeemAsync($"order-{Guid.NewGuid():N}"));

            // A bound so a regression fails rather than hangs; the ledger stays stuck whatever happens here.
            var first = await Task.WhenAny(storefront, stuck.Task.WaitAsync(TimeSpan.FromSeconds(30)).ContinueWith(_ => { }));
            Assert.Same(storefront, first);
            Assert.False(stuck.Task.IsCompleted);
            Assert.True(cluster.LedgerWriter.Pending > 0, "the ledger still holds the entries back");
            Assert.Equal(CartStatus.Deleted, (await shopper.ViewAsync()).Status);
        }
        finally
        {
            cluster.LedgerWriter.BeforeCommit = null;
            stuck.TrySetResult();
        }

        // Once the ledger moves, it has everything, and each grain's next tick takes its reminder away.
        await cluster.LedgerSettledAsync();
        await cluster.AdvanceUntilAsync(FollowUpReminder.Tick, async () => await shopper.RemindersAsync() == 0 && await cluster.RemindersOfAsync(coupon) == 0, "the cart's and coupon's reminders to go");
        Assert.Equal(CouponStatus.Redeemed, (await coupon.GetAsync())!.Status);
    }
}
