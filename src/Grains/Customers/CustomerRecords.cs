using System.Collections.Immutable;
using Orleans.Recovery.FollowUps;
using Orleans.Recovery.Ledger;

namespace Orleans.Recovery.Customers;

/// <summary>A marketing message counted under the frequency cap, with its latest granted attempt and how long that attempt's hand-off may run.</summary>
[GenerateSerializer, Immutable, Alias("marketing-send")]
public sealed record MarketingSend(
    [property: Id(0)] string MessageId,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] int Attempt = 0,
    [property: Id(3)] DateTimeOffset? BusyUntil = null);

/// <summary>A cart of this customer that still has follow-ups pending.</summary>
[GenerateSerializer, Immutable, Alias("tracked-cart")]
public sealed record TrackedCart([property: Id(0)] ImmutableArray<string> Skus, [property: Id(1)] DateTimeOffset FirstSeenAt);

/// <summary>An order of this customer, kept to recognise carts it already bought.</summary>
[GenerateSerializer, Immutable, Alias("tracked-order")]
public sealed record TrackedOrder(
    [property: Id(0)] string OrderId,
    [property: Id(1)] ImmutableArray<string> Skus,
    [property: Id(2)] DateTimeOffset ReceivedAt)
{
    public bool Covers(ImmutableArray<string> cartSkus) => !cartSkus.IsEmpty && cartSkus.All(sku => Skus.Contains(sku));
}

/// <summary>Why no mail (or no marketing mail) goes to an address, and since when.</summary>
[GenerateSerializer, Immutable, Alias("suppression")]
public sealed record Suppression(
    [property: Id(0)] string Cause,
    [property: Id(1)] DateTimeOffset? Since,
    [property: Id(2)] bool MarketingOnly);
