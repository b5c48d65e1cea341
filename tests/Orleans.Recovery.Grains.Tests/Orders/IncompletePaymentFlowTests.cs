using Orleans.Recovery.Carts;
using Orleans.Recovery.FollowUps;
using Orleans.Recovery.Coupons;
using Orleans.Recovery.Orders;
using Orleans.Recovery.Ledger;

namespace Orleans.Recovery.Grains.Tests.Orders;

[Collection(ClusterCollection.Name)]
[Trait("Category", "Grains")]
public sealed class IncompletePaymentFlowTests(ClusterFixture cluster)
{
    [Fact]
    public async Task AFailedPaymentGetsThreeRemindersWithTheRetryLinkAndTheLastCarriesASingleUseCoupon()
    {
        var shopper = new OrderScenario(cluster);
        await shopper.PlaceAsync(PaymentStatus.Pending);
        Assert.Equal(OrderEventOutcome.Recorded, await shopper.Order.PaymentFailedAsync(PaymentFailureReason.CardExpired, "https://shop.test/pay/retry?o=1"));

        cluster.Advance(TimeSpan.FromHours(23));
        Assert.Equal(0, shopper.MailCount);
        var first = (await shopper.AdvanceUntilMailAsync(TimeSpan.FromHours(1), 1))[0];
        Assert.Equal($"Ana, the card for your Kaffee & Co order {shopper.OrderId} has expired", first.Subject);
        Assert.Contains("https://shop.test/pay/retry?o=1", first.TextBody);
        Assert.Contains("PayPal", first.TextBody);
        Assert.NotNull(first.Headers["List-Unsubscribe"]);

        await shopper.AdvanceUntilMailAsync(TimeSpan.FromHours(48), 2);
        var third = (await shopper.AdvanceUntilMailAsync(TimeSpan.FromDays(4), 3))[2];
        Assert.StartsWith("Ana, 10% off to complete your Kaffee & Co order", third.Subject);

        await shopper.WaitForLogAsync(m => m.Step == 3 && m.Status == MessageStatus.Sent);
        var code = (await shopper.ViewAsync()).Messages.Single(m => m.Step == 3 && m.Status == MessageStatus.Sent).CouponCode!;
        Assert.Contains(code, third.TextBody);
        var coupon = await cluster.Grains.GetGrain<ICouponGrain>(code).GetAsync();
        Assert.Equal(CouponStatus.Valid, coupon!.Status);
        Assert.Equal(10m, coupon.PercentOff);
        Assert.Empty((await shopper.ViewAsync()).Pending);
    }

    [Theory]
    [InlineData(PaymentFailureReason.InsufficientFunds, "did not go through", "did not cover it")]
    [InlineData(PaymentFailureReason.Declined, "your bank declined the payment", "Banks sometimes block")]
    [InlineData(PaymentFailureReason.Other, "is incomplete", "We could not complete the payment")]
    public async Task EachReasonHasItsOwnWording(PaymentFailureReason reason, string subject, string body)
    {
        var shopper = new OrderScenario(cluster);
        await shopper.PlaceAsync(PaymentStatus.Failed);
        await shopper.Order.PaymentFailedAsync(reason, "https://shop.test/pay/retry");

        var mail = (await shopper.AdvanceUntilMailAsync(TimeSpan.FromHours(24), 1))[0];
        Assert.Contains(subject, mail.Subject);
        Assert.Contains(body, mail.TextBody);
    }

    [Fact]
    public async Task PaymentSucceededStopsTheRemindersAndSendsTheConfirmation()
    {
        var shopper = new OrderScenario(cluster);
        await shopper.PlaceAsync(PaymentStatus.Pending);
        await shopper.Order.PaymentFailedAsync(PaymentFailureReason.Declined, "https://shop.test/pay/retry");
        cluster.Advance(TimeSpan.FromHours(2));

        Assert.Equal(OrderEventOutcome.Recorded, await shopper.Order.PaymentSucceededAsync());
        var confirmation = (await shopper.WaitForMailAsync(1))[0];
        Assert.Equal($"Your Kaffee & Co order {shopper.OrderId} is confirmed", confirmation.Subject);

        await cluster.AdvanceUntilAsync(TimeSpan.FromDays(8), () => Task.FromResult(true), "a week");
        Assert.Equal(1, shopper.MailCount);
        var view = await shopper.ViewAsync();
        Assert.Contains(view.Messages, m => m.Flow == "incomplete-payment" && m.Status == MessageStatus.Skipped && m.Reason == SkipReason.PaymentSucceeded);
        Assert.Empty(view.Pending);
    }

    [Fact]
    public async Task CancellingTheOrderStopsTheReminders()
    {
        var shopper = new OrderScenario(cluster);
        await shopper.PlaceAsync(PaymentStatus.Pending);
        await shopper.Order.PaymentFailedAsync(PaymentFailureReason.InsufficientFunds, "https://shop.test/pay/retry");
        await shopper.AdvanceUntilMailAsync(TimeSpan.FromHours(24), 1);

        Assert.Equal(OrderEventOutcome.Recorded, await shopper.Order.CancelAsync());
        await cluster.AdvanceUntilAsync(TimeSpan.FromDays(8), () => Task.FromResult(true), "a week");

        Assert.Equal(1, shopper.MailCount);
        Assert.Contains((await shopper.ViewAsync()).Messages, m => m.Step == 2 && m.Reason == SkipReason.OrderCancelled);
        Assert.Equal(OrderEventOutcome.Cancelled, await shopper.Order.PaymentFailedAsync(PaymentFailureReason.Other, "https://shop.test/pay/retry"));
    }
}
