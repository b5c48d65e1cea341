namespace Orleans.Recovery.Carts;

/// <summary>A shopper followed the recovery link of a message.</summary>
[GenerateSerializer, Immutable, Alias("link-click")]
public sealed record LinkClick([property: Id(0)] string MessageId, [property: Id(1)] DateTimeOffset At);
