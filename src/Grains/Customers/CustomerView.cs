using System.Collections.Immutable;

namespace Orleans.Recovery.Customers;

/// <summary>What the operator sees of a customer. No address: the key is a hash of it.</summary>
[GenerateSerializer, Immutable, Alias("customer-view")]
public sealed record CustomerView(
    [property: Id(0)] string CustomerKey,
    [property: Id(1)] DateTimeOffset? UnsubscribedAt,
    [property: Id(2)] string? SuppressedBecause,
    [property: Id(3)] DateTimeOffset? NewsletterConsentAt,
    [property: Id(4)] ImmutableArray<MarketingSend> RecentMarketingSends,
    [property: Id(5)] ImmutableDictionary<string, string> Variants,
    [property: Id(6)] ImmutableArray<PreferenceChoice> Preferences);
