using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Recovery.Ledger;
using Orleans.Recovery.Retention;
using Orleans.Reminders;

namespace Orleans.Recovery.Coupons;

/// <summary>
/// A coupon is single use because one grain owns it: concurrent redeems queue on it, and the first write wins.
/// </summary>
public sealed partial class CouponGrain(
    [PersistentState("coupon", RecoveryStorage.Name)] IPersistentState<CouponState> coupon,
    [FromKeyedServices(ReminderTimeProviderNames.Reminders)] TimeProvider clock,
    IOptionsMonitor<RetentionOptions> retention,
    ILedger ledger,
    ILogger<CouponGrain> logger) : Grain, ICouponGrain, IRemindable
{
    private readonly LedgerFeed _ledger = new(ledger, clock, logger);

    private LedgerOwner Owner => new(LedgerOwner.Coupon, this.GetPrimaryKeyString(), coupon.State.Issue?.CustomerKey);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // A redemption a crash kept from the ledger goes now.
        _ = _ledger.SendAsync(coupon.State.Journal, Owner, null);
        return Task.CompletedTask;
    }

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
        coupon.State.Journal.Add(new CouponRedeemed { At = now, Code = view.Code, OrderId = orderId, PercentOff = view.PercentOff });
        await _ledger.SaveAsync(this, coupon.State.Journal, Owner, coupon.WriteStateAsync);
        LogRedeemed(view.Code, orderId);
        return new RedeemResult(RedeemOutcome.Redeemed, coupon.State.View(now));
    }

    public async Task<bool> ForgetIfRetiredAsync()
    {
        // A coupon is finished once redeemed or expired; it is kept the retention period after that.
        if (coupon.State.Issue is not { } issue || (coupon.State.RedeemedAt ?? issue.ExpiresAt) > clock.GetUtcNow() - retention.CurrentValue.After)
        {
            return false;
        }

        if (!await _ledger.SendAsync(coupon.State.Journal, Owner, null))
        {
            throw new LedgerUnavailableException();
        }

        await coupon.ClearStateAsync();
        this.DeactivateOnIdle();
        return true;
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => _ledger.RetryAsync(this, coupon.State.Journal, Owner);

    public Task LedgerConfirmedAsync() => _ledger.ConfirmedAsync(this, coupon.State.Journal);

    [LoggerMessage(Level = LogLevel.Information, Message = "Coupon {Code} redeemed by order {OrderId}")]
    private partial void LogRedeemed(string code, string orderId);
}
