using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Reminders;

namespace Orleans.Recovery.Coupons;

/// <summary>
/// A coupon is single use because one grain owns it: concurrent redeems queue on it, and the first write wins.
/// </summary>
public sealed partial class CouponGrain(
    [PersistentState("coupon", RecoveryStorage.Name)] IPersistentState<CouponState> coupon,
    [FromKeyedServices(ReminderTimeProviderNames.Reminders)] TimeProvider clock,
    ILogger<CouponGrain> logger) : Grain, ICouponGrain
{
    public async Task<CouponIssue> IssueAsync(CouponIssue issue)
    {
        if (coupon.State.Issue is { } issued)
        {
            return issued;
        }

        coupon.State.Issue = issue;
        await coupon.WriteStateAsync();
        return issue;
    }

    public Task<CouponView?> GetAsync() => Task.FromResult(coupon.State.View(clock.GetUtcNow()));

    public async Task<RedeemResult> RedeemAsync(string orderId)
    {
        var now = clock.GetUtcNow();
        if (coupon.State.View(now) is not { } view)
        {
            return new RedeemResult(RedeemOutcome.Unknown, null);
        }

        if (coupon.State.RedeemedByOrderId is { } redeemedBy)
        {
            return new RedeemResult(redeemedBy == orderId ? RedeemOutcome.Redeemed : RedeemOutcome.AlreadyRedeemed, view);
        }

        if (view.Status == CouponStatus.Expired)
        {
            return new RedeemResult(RedeemOutcome.Expired, view);
        }

        coupon.State.RedeemedByOrderId = orderId;
        coupon.State.RedeemedAt = now;
        await coupon.WriteStateAsync();
        LogRedeemed(view.Code, orderId);
        return new RedeemResult(RedeemOutcome.Redeemed, coupon.State.View(now));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Coupon {Code} redeemed by order {OrderId}")]
    private partial void LogRedeemed(string code, string orderId);
}
