namespace Orleans.Recovery.Coupons;

/// <summary>One coupon code the engine issued, keyed by the normalised code.</summary>
public interface ICouponGrain : Retention.IRetainedGrain, Ledger.ILedgerConfirmedGrain
{
    /// <summary>
    /// Records the coupon before the message carrying it is sent and returns it as stored: issuing it again, for a
    /// retried send, changes nothing and returns the first issue, expiry included.
    /// </summary>
    Task<CouponIssue> IssueAsync(CouponIssue issue);

    /// <summary>The coupon as the storefront validates it; null when we never issued this code.</summary>
    Task<CouponView?> GetAsync();

    /// <summary>Redeems the coupon for an order, once. The same order redeeming again is answered as before.</summary>
    Task<RedeemResult> RedeemAsync(string orderId);
}

[GenerateSerializer, Immutable, Alias("coupon-issue")]
public sealed record CouponIssue(
    [property: Id(0)] string Code,
    [property: Id(1)] decimal PercentOff,
    [property: Id(2)] DateTimeOffset IssuedAt,
    [property: Id(3)] DateTimeOffset ExpiresAt,
    [property: Id(4)] string MessageId,
    [property: Id(5)] string Flow,
    [property: Id(6)] string CustomerKey);

public enum CouponStatus
{
    Valid,
    Redeemed,
    Expired,
}

[GenerateSerializer, Immutable, Alias("coupon-view")]
public sealed record CouponView(
    [property: Id(0)] string Code,
    [property: Id(1)] CouponStatus Status,
    [property: Id(2)] decimal PercentOff,
    [property: Id(3)] DateTimeOffset ExpiresAt,
    [property: Id(4)] string Flow,
    [property: Id(5)] string? RedeemedByOrderId,
    [property: Id(6)] DateTimeOffset? RedeemedAt);

public enum RedeemOutcome
{
    Redeemed,
    AlreadyRedeemed,
    Expired,
    Unknown,
}

[GenerateSerializer, Immutable, Alias("redeem-result")]
public sealed record RedeemResult([property: Id(0)] RedeemOutcome Outcome, [property: Id(1)] CouponView? Coupon);

[GenerateSerializer, Alias("coupon-state")]
public sealed class CouponState
{
    [Id(0)] public CouponIssue? Issue { get; set; }
    [Id(1)] public string? RedeemedByOrderId { get; set; }
    [Id(2)] public DateTimeOffset? RedeemedAt { get; set; }

    /// <summary>What the ledger has yet to confirm: the redemption.</summary>
    [Id(3)] public Ledger.LedgerJournal Journal { get; set; } = new();

    public CouponView? View(DateTimeOffset now) => Issue is not { } issue ? null : new CouponView(
        issue.Code,
        RedeemedByOrderId is not null ? CouponStatus.Redeemed : now > issue.ExpiresAt ? CouponStatus.Expired : CouponStatus.Valid,
        issue.PercentOff,
        issue.ExpiresAt,
        issue.Flow,
        RedeemedByOrderId,
        RedeemedAt);
}
