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
    [property: Id(10)] DateTimeOffset? RemindersStoppedAt = null);
