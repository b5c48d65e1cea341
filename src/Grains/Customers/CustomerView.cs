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
    [property: Id(6)] ImmutableArray<PreferenceChoice> Preferences)
{
    /// <summary>Whether the newest consent record gives consent to marketing mail.</summary>
    [Id(7)] public bool HasConsent { get; init; }

    /// <summary>The consent records, oldest first: when, from where, the wording shown, the client address for the capture script.</summary>
    [Id(8)] public ImmutableArray<ConsentRecord> Consents { get; init; } = [];

    /// <summary>When an order of this shopper was first reported paid.</summary>
    [Id(9)] public DateTimeOffset? PaidOrderSince { get; init; }

    /// <summary>What suppresses the address, with its cause (hard-bounce, complaint, soft-bounces, invalid-address, erased); null when nothing does.</summary>
    [Id(10)] public Suppression? Suppression { get; init; }

    /// <summary>Soft bounces counted within the last 30 days.</summary>
    [Id(11)] public int SoftBounces { get; init; }
}
