using Orleans.Recovery.Ledger;

namespace Orleans.Recovery.FollowUps;

/// <summary>What became of one message of a flow.</summary>
public enum MessageStatus
{
    /// <summary>Claimed for sending; delivery not yet confirmed.</summary>
    Sending,
    Sent,
    Skipped,
    Failed,

    /// <summary>Put off by quiet hours or the frequency cap; the step is still pending.</summary>
    Deferred,

    /// <summary>Sent, and reported back undeliverable: a hard or soft bounce, after the relay had accepted it.</summary>
    Bounced,

    /// <summary>Sent, and marked as spam by the recipient.</summary>
    Complained,
}

/// <summary>An entry of a message log: one step of a flow, sent or skipped, with the reason.</summary>
[GenerateSerializer, Immutable, Alias("message-record")]
public sealed record MessageRecord(
    [property: Id(0)] string MessageId,
    [property: Id(1)] string Flow,
    [property: Id(2)] int Step,
    [property: Id(3)] MessageStatus Status,
    [property: Id(4)] string? Reason,
    [property: Id(5)] DateTimeOffset At,
    [property: Id(6)] DateTimeOffset DueAt,
    [property: Id(7)] string? Subject = null,
    [property: Id(8)] int Attempts = 0)
{
    /// <summary>Whether the step came due and was decided, as <see cref="StepDecision"/> counts entries into a flow.</summary>
    public bool IsDecided => Status switch
    {
        MessageStatus.Sent => StepDecision.IsDecided(MessageEventKind.Sent, null),
        MessageStatus.Failed => StepDecision.IsDecided(MessageEventKind.Failed, Reason),
        MessageStatus.Skipped => StepDecision.IsDecided(MessageEventKind.Skipped, Reason),
        _ => false,
    };

    /// <summary>For a deferral: when the rules allow the step.</summary>
    [Id(9)] public DateTimeOffset? DeferredUntil { get; init; }

    /// <summary>The experiment's variant the customer got, if the step has variants.</summary>
    [Id(10)] public string? Variant { get; init; }

    /// <summary>The single-use coupon the message carried, if any.</summary>
    [Id(11)] public string? CouponCode { get; init; }

    /// <summary>For a sent or failed message: when it was claimed for sending, before the hand-off to the relay.</summary>
    [Id(12)] public DateTimeOffset? ClaimedAt { get; init; }

    /// <summary>True for marketing mail (recovery, review request); false for transactional notices and records from before it was kept.</summary>
    [Id(13)] public bool Marketing { get; init; }

    /// <summary>The key of the customer a message to a shopper went to, from when it was claimed: a bounce about it is theirs, whoever the cart belongs to now.</summary>
    [Id(14)] public string? CustomerKey { get; init; }

    /// <summary>
    /// A report about a message already sent (a bounce, a complaint), not something the engine did: it moves neither the
    /// owner's last activity nor the end of its sequence.
    /// </summary>
    public bool IsReport => Status is MessageStatus.Bounced or MessageStatus.Complained;
}

/// <summary>A message log shared by carts and orders: an entry still sending is replaced by its outcome.</summary>
public static class MessageLog
{
    public static void Add(List<MessageRecord> messages, MessageRecord record)
    {
        var open = messages.FindLastIndex(m => m.MessageId == record.MessageId && m.Status == MessageStatus.Sending);
        if (open >= 0)
        {
            messages[open] = record;
        }
        else
        {
            messages.Add(record);
        }
    }

    /// <summary>Backs off after a transient failure: 1, 2, 4 … minutes, at most 30.</summary>
    public static TimeSpan RetryDelay(int attempts) => TimeSpan.FromMinutes(Math.Min(30, Math.Pow(2, Math.Max(0, attempts - 1))));
}
