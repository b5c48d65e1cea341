using System.Collections.Immutable;

namespace Orleans.Recovery.Customers;

/// <summary>
/// A flow asks the customer, at send time, whether one message may go out. Marketing messages face every rule;
/// transactional ones only a suppressed address.
/// </summary>
[GenerateSerializer, Immutable, Alias("send-request")]
public sealed record SendRequest(
    [property: Id(0)] string MessageId,
    [property: Id(1)] bool Marketing,
    [property: Id(2)] string? TimeZone,
    [property: Id(3)] string? Country)
{
    /// <summary>For a cart: its products and when it was first seen, so an order that bought them refuses the send.</summary>
    [Id(4)] public ImmutableArray<string> CartSkus { get; init; } = [];

    [Id(5)] public DateTimeOffset? CartFirstSeenAt { get; init; }

    /// <summary>The experiment this step runs ("flow/step") and its variants; the customer keeps the one first assigned.</summary>
    [Id(6)] public string? Experiment { get; init; }

    [Id(7)] public ImmutableArray<VariantWeight> Variants { get; init; } = [];

    /// <summary>The flow the message belongs to: some markets let cart reminders alone go to earlier buyers without consent.</summary>
    [Id(8)] public string? Flow { get; init; }
}

[GenerateSerializer, Immutable, Alias("variant-weight")]
public sealed record VariantWeight([property: Id(0)] string Name, [property: Id(1)] int Weight);

public enum SendOutcome
{
    Granted,

    /// <summary>Not now: the rules allow it at <see cref="SendDecision.Until"/>.</summary>
    Deferred,

    /// <summary>Never: the reason says why.</summary>
    Refused,

    /// <summary>An order already bought the cart's items.</summary>
    Purchased,
}

[GenerateSerializer, Immutable, Alias("send-decision")]
public sealed record SendDecision(
    [property: Id(0)] SendOutcome Outcome,
    [property: Id(1)] string? Reason = null,
    [property: Id(2)] DateTimeOffset? Until = null,
    [property: Id(3)] string? PurchasedOrderId = null,
    [property: Id(4)] string? Variant = null);
