using Orleans.Recovery.Carts;
using Orleans.Recovery.Coupons;
using Orleans.Recovery.Customers;
using Orleans.Recovery.FollowUps;
using Orleans.Recovery.Grains.Tests.Carts;
using Orleans.Recovery.Grains.Tests.Orders;
using Orleans.Recovery.Orders;
using Orleans.Recovery.Ledger;
using Orleans.Recovery.Testing;

namespace Orleans.Recovery.Grains.Tests.Retention;

/// <summary>Recovery:Retention:After, 90 days by default: finished carts, orders and coupons are forgotten then, and not before.</summary>
[Collection(ClusterCollection.Name)]
[Trait("Category", "Grains")]
public sealed class RetentionTests(ClusterFixture cluster)
{
    private static readonly TimeSpan Retention = TimeSpan.FromDays(90);

    [Fact]
    public async Task AFinishedCartIsForgottenNinetyDaysAfterItsLastActivityAndNotADayBefore()
    {
        var shopper = new CartScenario(cluster);
        await shopper.PutAsync();
        Assert.True(await shopper.Cart.DeleteAsync());
        await shopper.ReminderGoneAsync();

        cluster.Advance(Retention - TimeSpan.FromDays(1));
        Assert.False(await shopper.Cart.ForgetIfRetiredAsync());
        Assert.NotNull(await shopper.Cart.GetViewAsync());

        cluster.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1));
        Assert.True(await shopper.Cart.ForgetIfRetiredAsync());
        Assert.Null(await shopper.Cart.GetViewAsync());
        Assert.Equal(0, await shopper.RemindersAsync());
    }

    [Fact]
    public async Task ACartStillOwingAFollowUpIsNeverForgotten()
    {
        var shopper = new CartScenario(cluster);
        await shopper.PutAsync();

        // Its step waits (say the relay refuses it until it expires); the engine alone decides when it is done.
        cluster.Advance(TimeSpan.FromMinutes(30));
        Assert.False(await shopper.Cart.ForgetIfRetiredAsync());
        Assert.NotNull((await shopper.ViewAsync()).NextDueAt);
        Assert.Equal(1, await shopper.RemindersAsync());
    }

    [Fact]
    public async Task AForgottenCartReportedAgainBringsNoMailToACustomerWhoUnsubscribed()
    {
        var shopper = new CartScenario(cluster);
        await shopper.PutAsync();
        await cluster.Grains.GetGrain<ICustomerGrain>(TestCustomerKeys.Of(shopper.Customer.Email)).UnsubscribeAsync();
        await shopper.AdvanceUntilLogAsync(TimeSpan.FromHours(1), m => m.Reason == SkipReason.Unsubscribed);
        await cluster.LedgerSettledAsync();
        Assert.Equal(LeadStatus.Unsubscribed, Assert.Single(await LeadsOfAsync(shopper)).Status);

        // The lead outlives the cart, as every ledger row does, without the shopper's name and address.
        cluster.Advance(Retention + TimeSpan.FromDays(1));
        Assert.True(await shopper.Cart.ForgetIfRetiredAsync());
        await cluster.LedgerSettledAsync();
        var lead = Assert.Single(await LeadsOfAsync(shopper));
        Assert.Equal(("", "", null, shopper.CartId), (lead.Email, lead.FirstName, lead.LastName, lead.Id));

        await shopper.PutAsync();
        await shopper.AdvanceUntilLogAsync(TimeSpan.FromHours(1), m => m.Reason == SkipReason.Unsubscribed);
        Assert.Equal(0, shopper.MailCount);
    }

    [Fact]
    public async Task AFinishedOrderAndAnExpiredCouponAreForgottenAfterTheRetentionPeriod()
    {
        var shopper = new OrderScenario(cluster);
        await shopper.PlaceAsync(PaymentStatus.Pending);
        await shopper.Order.PaymentFailedAsync(PaymentFailureReason.CardExpired, "https://shop.test/pay");

        // All three reminders out, the last with a coupon valid 7 days.
        await shopper.AdvanceUntilMailAsync(TimeSpan.FromHours(24), 1);
        await shopper.AdvanceUntilMailAsync(TimeSpan.FromHours(48), 2);
        await shopper.AdvanceUntilMailAsync(TimeSpan.FromDays(4), 3);
        await shopper.WaitForLogAsync(m => m.Step == 3 && m.Status == MessageStatus.Sent);
        var code = (await shopper.ViewAsync()).Messages.Single(m => m.Step == 3 && m.Status == MessageStatus.Sent).CouponCode!;
        var coupon = cluster.Grains.GetGrain<ICouponGrain>(code);

        cluster.Advance(Retention);
        Assert.True(await shopper.Order.ForgetIfRetiredAsync());
        Assert.Null(await shopper.Order.GetViewAsync());

        // The coupon expired 7 days after it was issued; it is kept 90 days past that.
        Assert.False(await coupon.ForgetIfRetiredAsync());
        cluster.Advance(TimeSpan.FromDays(8));
        Assert.True(await coupon.ForgetIfRetiredAsync());
        Assert.Null(await coupon.GetAsync());
    }

    private Task<List<LeadView>> LeadsOfAsync(CartScenario shopper) => cluster.Query<LeadListQuery>()
        .LeadsAsync(new LeadQuery(DateOnly.MinValue.AddDays(1), DateOnly.MaxValue.AddDays(-1), null, null, 0, null, TestCustomerKeys.Of(shopper.Customer.Email)), cluster.Clock.GetUtcNow(), CancellationToken.None)
        .ToListAsync().AsTask();
}
