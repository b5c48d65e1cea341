using Orleans.Concurrency;
using Orleans.Recovery.Customers;
using Orleans.Recovery.Flows;
using Orleans.Recovery.FollowUps;

namespace Orleans.Recovery.Mail;

/// <summary>
/// The design's mail grain: it hands a claimed message to the relay (or the shop's webhook) and tells its owner what
/// became of it. One is local to each silo and uses that silo's connection pool; the owner calls it one-way, so a
/// purchase or cancellation arriving at the owner never waits for the relay.
/// </summary>
public interface IMailGrain : IGrainWithIntegerKey
{
    /// <summary>Hands the message over, checking last with the owner and the customer; the outcome comes back as the owner's <see cref="IFollowUpGrain.SettleAsync"/>.</summary>
    [OneWay]
    Task HandOverAsync(HandOverRequest request);
}

/// <summary>A claimed message on its way to the relay, with whom to ask last and whom to tell.</summary>
/// <param name="Owner">The cart or order that claimed it, asked whether it still owes it, and told the outcome.</param>
/// <param name="MessageId">The message, as the owner's outbox and the log know it.</param>
/// <param name="Attempt">The claim's attempt: an outcome for an older one is only logged.</param>
/// <param name="Parcel">What goes out.</param>
/// <param name="Within">The hand-off's budget: past it, nothing goes out and the message is tried again, checked afresh.</param>
/// <param name="CustomerKey">The customer asked last for a message to them: a purchase, unsubscribe or suppression withholds it.</param>
/// <param name="Check">What the customer decided on, asked again.</param>
[GenerateSerializer, Immutable, Alias("hand-over")]
public sealed record HandOverRequest(
    [property: Id(0)] IFollowUpGrain Owner,
    [property: Id(1)] string MessageId,
    [property: Id(2)] int Attempt,
    [property: Id(3)] Parcel Parcel,
    [property: Id(4)] TimeSpan Within,
    [property: Id(5)] string? CustomerKey,
    [property: Id(6)] SendRequest? Check);
