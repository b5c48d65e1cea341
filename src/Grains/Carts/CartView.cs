using System.Collections.Immutable;
using Orleans.Recovery.FollowUps;

namespace Orleans.Recovery.Carts;

/// <summary>
/// What the operator sees of a cart: its contents, where its flow stands, and its message log. NextAttemptAt is
/// when the engine will next try, later than NextDueAt while a failed delivery backs off.
/// </summary>
[GenerateSerializer, Immutable, Alias("cart-view")]
public sealed record CartView(
    [property: Id(0)] string CartId,
    [property: Id(1)] CartStatus Status,
    [property: Id(2)] CartSnapshot? Snapshot,
    [property: Id(3)] string? PurchasedOrderId,
    [property: Id(4)] DateTimeOffset? LastActivityAt,
    [property: Id(5)] int? NextStep,
    [property: Id(6)] DateTimeOffset? NextDueAt,
    [property: Id(7)] ImmutableArray<MessageRecord> Messages,
    [property: Id(8)] ImmutableArray<LinkClick> Clicks,
    [property: Id(9)] DateTimeOffset? NextAttemptAt,
    [property: Id(10)] DateTimeOffset? RemindersStoppedAt = null)
{
    /// <summary>The contact the capture script reported at checkout, and when; null when it reported none.</summary>
    [Id(11)] public CapturedContact? Captured { get; init; }

    /// <summary>Contents the shop reported without a contact, waiting for the capture script's.</summary>
    [Id(12)] public CartContents? AwaitingContact { get; init; }

    /// <summary>Whose cart this is: the snapshot's shopper, else the captured contact.</summary>
    public Customers.CustomerProfile? Customer => Snapshot?.Customer ?? Captured?.Customer;
}

/// <summary>The shopper's contact as the capture script on the checkout page reported it.</summary>
[GenerateSerializer, Immutable, Alias("captured-contact")]
public sealed record CapturedContact([property: Id(0)] Customers.CustomerProfile Customer, [property: Id(1)] DateTimeOffset At);
