using System.Collections.Immutable;
using Orleans.Recovery.Carts;
using Orleans.Recovery.FollowUps;

namespace Orleans.Recovery.Orders;

/// <summary>What the operator sees of an order: what happened, the shopper's answers, and the message log.</summary>
[GenerateSerializer, Immutable, Alias("order-view")]
public sealed record OrderView(
    [property: Id(0)] OrderPlaced Order,
    [property: Id(1)] DateTimeOffset? ReceivedAt,
    [property: Id(2)] DateTimeOffset? PaidAt,
    [property: Id(3)] PaymentFailure? PaymentFailure,
    [property: Id(4)] DateTimeOffset? CancelledAt,
    [property: Id(5)] ImmutableArray<Shipment> Shipments,
    [property: Id(6)] ImmutableArray<DelayRecord> Delays,
    [property: Id(7)] DateTimeOffset? DeliveredAt,
    [property: Id(8)] Rating? Rating,
    [property: Id(9)] ImmutableArray<MessageRecord> Messages,
    [property: Id(10)] ImmutableArray<PendingMessageView> Pending);

[GenerateSerializer, Immutable, Alias("pending-message-view")]
public sealed record PendingMessageView(
    [property: Id(0)] string MessageId,
    [property: Id(1)] string Flow,
    [property: Id(2)] int Step,
    [property: Id(3)] DateTimeOffset DueAt,
    [property: Id(4)] DateTimeOffset NextAttemptAt,
    [property: Id(5)] int Attempts);
