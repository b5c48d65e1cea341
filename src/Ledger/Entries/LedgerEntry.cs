using System.Collections.Immutable;

namespace Orleans.Recovery.Ledger;

/// <summary>
/// A fact for the ledger, the relational record reports are read from. A grain writes its entries in the same state
/// write as the change they describe, then appends them to the ledger, which keys every row so that appending the
/// same entry twice changes nothing.
/// </summary>
[GenerateSerializer, Immutable, Alias("ledger-entry")]
public abstract record LedgerEntry
{
    [Id(0)] public DateTimeOffset At { get; init; }
}

/// <summary>What became of a message, as its log records it, and a click on one of its links.</summary>
public enum MessageEventKind
{
    Planned,
    Sent,
    Deferred,
    Skipped,
    Failed,
    Clicked,

    /// <summary>Reported back undeliverable after it was sent; the reason says hard-bounce or soft-bounce.</summary>
    Bounced,

    /// <summary>Marked as spam by the recipient.</summary>
    Complained,
}

/// <summary>One event of one message. Keyed in the ledger by message id, kind and time.</summary>
[GenerateSerializer, Immutable, Alias("ledger-message-event")]
public sealed record MessageEvent : LedgerEntry
{
    [Id(0)] public required string MessageId { get; init; }
    [Id(1)] public required string Flow { get; init; }
    [Id(2)] public required int Step { get; init; }
    [Id(3)] public required bool Marketing { get; init; }
    [Id(4)] public required MessageEventKind Kind { get; init; }
    [Id(5)] public string? Reason { get; init; }
    [Id(6)] public string? Variant { get; init; }
    [Id(7)] public string? CouponCode { get; init; }
}

/// <summary>What happened to an order, as the storefront reported it.</summary>
public enum OrderEventKind
{
    Placed,
    Paid,
    PaymentFailed,
    Cancelled,
}

/// <summary>One event of one order. A placed order carries its money: the ledger counts it once, whatever the repeats.</summary>
[GenerateSerializer, Immutable, Alias("ledger-order-event")]
public sealed record OrderEvent : LedgerEntry
{
    [Id(0)] public required OrderEventKind Kind { get; init; }

    /// <summary>For a placed order: its currency, subtotal and total, and the cart it bought.</summary>
    [Id(1)] public string? Currency { get; init; }
    [Id(2)] public decimal Subtotal { get; init; }
    [Id(3)] public decimal Total { get; init; }
    [Id(4)] public string? CartId { get; init; }

    /// <summary>For a failed payment: the decline reason, as the API names it.</summary>
    [Id(5)] public string? Reason { get; init; }
}

/// <summary>A coupon we issued was redeemed by an order: the order's discount is reported beside its revenue.</summary>
[GenerateSerializer, Immutable, Alias("ledger-coupon-redeemed")]
public sealed record CouponRedeemed : LedgerEntry
{
    [Id(0)] public required string Code { get; init; }
    [Id(1)] public required string OrderId { get; init; }
    [Id(2)] public required decimal PercentOff { get; init; }
}

/// <summary>The grain forgot its data (retention or an erase): its lead in the ledger keeps its figures but loses the shopper's name and address.</summary>
[GenerateSerializer, Immutable, Alias("ledger-forgotten")]
public sealed record Forgotten : LedgerEntry;

/// <summary>The customer unsubscribed from all marketing mail.</summary>
[GenerateSerializer, Immutable, Alias("ledger-unsubscribed")]
public sealed record Unsubscribed : LedgerEntry;

/// <summary>Whose entries a batch holds: the grain, and the customer its facts belong to.</summary>
/// <param name="Kind">cart, order, customer or coupon.</param>
/// <param name="Id">The grain's key: the storefront's cart or order id, the customer key, the coupon code.</param>
/// <param name="CustomerKey">The customer grain's key, a hash of the address.</param>
/// <param name="ShopCustomerId">The storefront's own customer id, when it gave one: the ledger stitches a customer by it too.</param>
[GenerateSerializer, Immutable, Alias("ledger-owner")]
public sealed record LedgerOwner(
    [property: Id(0)] string Kind,
    [property: Id(1)] string Id,
    [property: Id(2)] string? CustomerKey,
    [property: Id(3)] string? ShopCustomerId = null)
{
    public const string Cart = "cart";
    public const string Order = "order";
    public const string Customer = "customer";
    public const string Coupon = "coupon";
}

/// <summary>What a lead is now, as its grain knows it; the ledger adds unsubscribed and lost when it is read.</summary>
public enum LeadOutcome
{
    /// <summary>The sequence runs, or ended without a purchase.</summary>
    Open,

    /// <summary>The cart was bought, or the failed payment went through.</summary>
    Recovered,
}

/// <summary>
/// An abandoned cart or a failed payment as the leads list shows it, personal data included: the only ledger row that
/// holds any, and the one an erase deletes. It replaces the row of an older revision.
/// </summary>
[GenerateSerializer, Immutable, Alias("ledger-lead")]
public sealed record Lead
{
    public const string CartType = "cart";
    public const string PaymentType = "payment";

    [Id(0)] public required string Type { get; init; }
    [Id(1)] public required string Email { get; init; }
    [Id(2)] public required string FirstName { get; init; }
    [Id(3)] public string? LastName { get; init; }
    [Id(4)] public string? Locale { get; init; }
    [Id(5)] public string? Country { get; init; }
    [Id(6)] public required ImmutableArray<LeadItem> Items { get; init; }
    [Id(7)] public required decimal Total { get; init; }
    [Id(8)] public required string Currency { get; init; }
    [Id(9)] public required DateTimeOffset CreatedAt { get; init; }
    [Id(10)] public required DateTimeOffset LastActivityAt { get; init; }
    [Id(11)] public required int StepsSent { get; init; }
    [Id(12)] public string? CouponCode { get; init; }
    [Id(13)] public required LeadOutcome Outcome { get; init; }
    [Id(14)] public string? OrderId { get; init; }

    /// <summary>When the sequence ended (sent, skipped or stopped to its last step); null while a step is pending.</summary>
    [Id(15)] public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>For a failed payment: the decline reason.</summary>
    [Id(16)] public string? DeclineReason { get; init; }
}

/// <summary>One line of a lead's cart or order, as the leads list and its CSV show it.</summary>
[GenerateSerializer, Immutable, Alias("lead-item")]
public sealed record LeadItem(
    [property: Id(0)] string Sku,
    [property: Id(1)] string Name,
    [property: Id(2)] int Quantity,
    [property: Id(3)] decimal UnitPrice,
    [property: Id(4)] string? ImageUrl = null,
    [property: Id(5)] string? ProductUrl = null)
{
    public decimal LineTotal => UnitPrice * Quantity;
}

/// <summary>What one grain appends to the ledger at once: its entries, and its lead as it stands, if it is one.</summary>
[GenerateSerializer, Immutable, Alias("ledger-batch")]
public sealed record LedgerBatch(
    [property: Id(0)] LedgerOwner Owner,
    [property: Id(1)] ImmutableArray<LedgerEntry> Entries,
    [property: Id(2)] Lead? Lead = null,
    [property: Id(3)] long Revision = 0)
{
    public bool IsEmpty => Entries.IsEmpty && Lead is null;
}
