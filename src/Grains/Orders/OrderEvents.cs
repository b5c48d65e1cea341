using System.Collections.Immutable;
using Orleans.Recovery.Carts;

namespace Orleans.Recovery.Orders;

/// <summary>Why a payment failed, as the storefront reports it; each gets its own wording.</summary>
public enum PaymentFailureReason
{
    CardExpired,
    InsufficientFunds,
    Declined,
    Other,
}

[GenerateSerializer, Immutable, Alias("payment-failure")]
public sealed record PaymentFailure(
    [property: Id(0)] PaymentFailureReason Reason,
    [property: Id(1)] string RetryUrl,
    [property: Id(2)] DateTimeOffset At);

[GenerateSerializer, Immutable, Alias("shipment")]
public sealed record Shipment(
    [property: Id(0)] string ShipmentId,
    [property: Id(1)] string Carrier,
    [property: Id(2)] string TrackingNumber,
    [property: Id(3)] string TrackingUrl,
    [property: Id(4)] ImmutableArray<CartLine> Items,
    [property: Id(5)] DateOnly? EstimatedDelivery);

/// <summary>What the shop offers a shopper whose order is delayed.</summary>
public enum DelayOption
{
    Wait,
    Cancel,
    Partial,
    Substitute,
}

[GenerateSerializer, Immutable, Alias("delay")]
public sealed record Delay(
    [property: Id(0)] string DelayId,
    [property: Id(1)] string Reason,
    [property: Id(2)] ImmutableArray<CartLine> Items,
    [property: Id(3)] DateOnly NewEstimatedShipDate,
    [property: Id(4)] ImmutableArray<DelayOption> Options);

/// <summary>A delay as the operator sees it, with the shopper's answer once they gave one.</summary>
[GenerateSerializer, Immutable, Alias("delay-record")]
public sealed record DelayRecord(
    [property: Id(0)] Delay Delay,
    [property: Id(1)] DateTimeOffset ReportedAt,
    [property: Id(2)] DelayOption? Choice = null,
    [property: Id(3)] DateTimeOffset? ChoiceAt = null)
{
    /// <summary>
    /// This delay without options no client can name: delays recorded before the API accepted only the four names may
    /// hold a number such as -1. The operator's view, the page and the notice leave it out rather than fail.
    /// </summary>
    public DelayRecord KnownOptionsOnly() => this with
    {
        Delay = Delay with { Options = [.. Delay.Options.Where(Enum.IsDefined)] },
        Choice = Choice is { } choice && Enum.IsDefined(choice) ? choice : null,
    };
}

[GenerateSerializer, Immutable, Alias("rating")]
public sealed record Rating([property: Id(0)] int Value, [property: Id(1)] DateTimeOffset At);

/// <summary>What the storefront's event did to the order.</summary>
public enum OrderEventOutcome
{
    /// <summary>Recorded now.</summary>
    Recorded,

    /// <summary>Already recorded; nothing changed.</summary>
    Repeated,

    /// <summary>The order id is unknown.</summary>
    UnknownOrder,

    /// <summary>The order was cancelled; nothing follows it any more.</summary>
    Cancelled,
}
