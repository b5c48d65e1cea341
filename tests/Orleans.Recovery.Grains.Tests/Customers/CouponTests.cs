using Orleans.Recovery.Coupons;

namespace Orleans.Recovery.Grains.Tests.Customers;

[Collection(ClusterCollection.Name)]
[Trait("Category", "Grains")]
public sealed class CouponTests(ClusterFixture cluster)
{
    [Fact]
    public async Task ACouponIsRedeemedByExactlyOneOfManyConcurrentOrders()
    {
        var code = $"10OFF-{Guid.NewGuid():N}"[..20].ToUpperInvariant();
        var now = cluster.Clock.GetUtcNow();
        await cluster.Grains.GetGrain<ICouponGrain>(code).IssueAsync(new CouponIssue(code, 10m, now, now.AddDays(7), "m/1", "cart-abandonment", "c1"));

        var results = await Task.WhenAll(Enumerable.Range(0, 25).Select(i => cluster.Grains.GetGrain<ICouponGrain>(code).RedeemAsync($"order-{i}")));

        var winner = Assert.Single(results, r => r.Outcome == RedeemOutcome.Redeemed);
        Assert.Equal(24, results.Count(r => r.Outcome == RedeemOutcome.AlreadyRedeemed));
        var coupon = await cluster.Grains.GetGrain<ICouponGrain>(code).GetAsync();
        Assert.Equal(CouponStatus.Redeemed, coupon!.Status);
        Assert.Equal(winner.Coupon!.RedeemedByOrderId, coupon.RedeemedByOrderId);
    }
}
