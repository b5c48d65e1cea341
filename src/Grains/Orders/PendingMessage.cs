namespace Orleans.Recovery.Orders;

/// <summary>Who a message goes to.</summary>
public enum Recipient
{
    Customer,

    /// <summary>The shop's support address: an alert about an unhappy customer.</summary>
    Support,

    /// <summary>The shop's outbound webhook, signed with HMAC.</summary>
    Webhook,
}

/// <summary>
/// A message of an order's flows not yet sent: due at a time, retried after transient failures, put off by the
/// customer's quiet hours and frequency cap. Its id is stable, so it can never go out twice.
/// </summary>
[GenerateSerializer, Alias("pending-message")]
public sealed class PendingMessage
{
    [Id(0)] public string MessageId { get; set; } = "";
    [Id(1)] public string Flow { get; set; } = "";

    /// <summary>The step's name in its flow (post-purchase) or its index (incomplete payment, from 0).</summary>
    [Id(2)] public string Step { get; set; } = "";
    [Id(3)] public int StepNumber { get; set; }
    [Id(4)] public DateTimeOffset DueAt { get; set; }
    [Id(5)] public bool Marketing { get; set; }
    [Id(6)] public Recipient To { get; set; }

    /// <summary>The shipment or delay the message is about.</summary>
    [Id(7)] public string? Subject { get; set; }
    [Id(8)] public int Attempts { get; set; }
    [Id(9)] public DateTimeOffset? RetryAt { get; set; }
    [Id(10)] public DateTimeOffset? DeferredUntil { get; set; }

    /// <summary>
    /// For a step timed by its flow's delay (an incomplete-payment reminder, the review request): the moment the delay
    /// counts from, so an operator's change of the delay can move the step. Null for a notice sent as its event arrives.
    /// </summary>
    [Id(11)] public DateTimeOffset? TimedFrom { get; set; }

    public DateTimeOffset WakeAt => Later(Later(DueAt, RetryAt), DeferredUntil);

    public bool IsDue(DateTimeOffset now) => WakeAt <= now;

    /// <summary>Marketing more than <paramref name="expiry"/> late no longer helps; a deferral by the rules is not lateness.</summary>
    public bool IsExpired(DateTimeOffset now, TimeSpan expiry) => Marketing && now - Later(DueAt, DeferredUntil) > expiry;

    private static DateTimeOffset Later(DateTimeOffset a, DateTimeOffset? b) => b > a ? b.Value : a;
}
