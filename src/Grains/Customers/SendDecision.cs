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

    /// <summary>
    /// The attempt the sender is about to make, and the latest its hand-off can run. The customer writes a granted
    /// marketing send before answering, so that write is the attempt's claim: another ask for the same attempt (an
    /// activation that lost its claim, a duplicate one) is told to wait until then.
    /// </summary>
    [Id(9)] public int Attempt { get; init; }

    [Id(10)] public DateTimeOffset? BusyUntil { get; init; }

    /// <summary>The cart a cart's message is about: the customer learns of it here, for an order without a cart id and an erase.</summary>
    [Id(11)] public string? CartId { get; init; }
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

    /// <summary>This attempt of the message is claimed already, until <see cref="SendDecision.Until"/>: not started twice.</summary>
    Busy,
}

[GenerateSerializer, Immutable, Alias("send-decision")]
public sealed record SendDecision(
    [property: Id(0)] SendOutcome Outcome,
    [property: Id(1)] string? Reason = null,
    [property: Id(2)] DateTimeOffset? Until = null,
    [property: Id(3)] string? PurchasedOrderId = null,
    [property: Id(4)] string? Variant = null);
