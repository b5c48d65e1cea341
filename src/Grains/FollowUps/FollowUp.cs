namespace Orleans.Recovery.FollowUps;

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
/// A message a grain still owes: due at a time, retried after transient failures, put off by the customer's quiet
/// hours and frequency cap. Its id is stable, so it can never go out twice. The alias is the one orders stored their
/// pending messages under, so those read as follow-ups.
/// </summary>
[GenerateSerializer, Alias("pending-message")]
public sealed class FollowUp
{
    [Id(0)] public string MessageId { get; set; } = "";
    [Id(1)] public string Flow { get; set; } = "";

    /// <summary>The step's name in its flow.</summary>
    [Id(2)] public string Step { get; set; } = "";

    /// <summary>The step's place in its flow, from 1, as the operator sees it.</summary>
    [Id(3)] public int StepNumber { get; set; }
    [Id(4)] public DateTimeOffset DueAt { get; set; }
    [Id(5)] public bool Marketing { get; set; }
    [Id(6)] public Recipient To { get; set; }

    /// <summary>The shipment or delay the message is about (not its email subject, which the log keeps).</summary>
    [Id(7)] public string? About { get; set; }
    [Id(8)] public int Attempts { get; set; }

    /// <summary>No attempt before this: after a transient failure, or while an attempt's hand-off may still run.</summary>
    [Id(9)] public DateTimeOffset? RetryAt { get; set; }
    [Id(10)] public DateTimeOffset? DeferredUntil { get; set; }

    /// <summary>
    /// For a step timed by its flow's delay: the moment the delay counts from, so an operator's change of the delay
    /// can move the step. Null for a notice sent as its event arrives.
    /// </summary>
    [Id(11)] public DateTimeOffset? TimedFrom { get; set; }

    /// <summary>True when <see cref="TimedFrom"/> is the trigger itself, from which the step's whole delay counts, rather than the step before.</summary>
    [Id(12)] public bool FromTrigger { get; set; }

    /// <summary>The customer granted this message a place under the frequency cap; it is given back if the message is never delivered.</summary>
    [Id(13)] public bool HoldsPlace { get; set; }

    /// <summary>When the latest attempt was claimed, before its hand-off to the relay.</summary>
    [Id(14)] public DateTimeOffset? ClaimedAt { get; set; }

    public DateTimeOffset WakeAt => Later(Later(DueAt, RetryAt), DeferredUntil);

    public bool IsDue(DateTimeOffset now) => WakeAt <= now;

    /// <summary>Marketing more than <paramref name="expiry"/> late no longer helps; a deferral by the rules is not lateness.</summary>
    public bool IsExpired(DateTimeOffset now, TimeSpan expiry) => Marketing && now - Later(DueAt, DeferredUntil) > expiry;

    private static DateTimeOffset Later(DateTimeOffset a, DateTimeOffset? b) => b > a ? b.Value : a;
}
