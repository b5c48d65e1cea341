namespace Orleans.Recovery.FollowUps;

/// <summary>
/// The follow-ups one grain owes, and the log of what became of each. Pure state and rules: the engine does the I/O
/// around them, the plans say what comes next.
/// </summary>
[GenerateSerializer, Alias("outbox")]
public sealed class Outbox
{
    [Id(0)] public List<FollowUp> Pending { get; set; } = [];
    [Id(1)] public List<MessageRecord> Log { get; set; } = [];

    /// <summary>The due time the grain's reminder was last registered for; null when none is registered.</summary>
    [Id(2)] public DateTimeOffset? ReminderDueAt { get; set; }

    /// <summary>When the grain next needs to wake, if ever.</summary>
    public DateTimeOffset? WakeAt => Pending.Count == 0 ? null : Pending.Min(message => message.WakeAt);

    public FollowUp? Find(string messageId) => Pending.Find(message => message.MessageId == messageId);

    /// <summary>
    /// True once a message with this id went out or failed for good, or while it waits: it is never queued again. A
    /// skipped one may be: a cart emptied and filled again owes its step anew.
    /// </summary>
    public bool Knows(string messageId) =>
        Find(messageId) is not null
        || Log.Exists(record => record.MessageId == messageId && record.Status is MessageStatus.Sent or MessageStatus.Failed);

    public bool WasSent(string messageId) => Log.Exists(record => record.MessageId == messageId && record.Status == MessageStatus.Sent);

    public bool Enqueue(FollowUp message)
    {
        if (Knows(message.MessageId))
        {
            return false;
        }

        Pending.Add(message);
        return true;
    }

    /// <summary>Takes a message out of the outbox, logged with what became of it.</summary>
    public void End(FollowUp message, MessageStatus status, string? reason, DateTimeOffset now)
    {
        Pending.Remove(message);
        Add(Record(message, status, reason, now) with { ClaimedAt = status == MessageStatus.Skipped ? null : message.ClaimedAt });
    }

    /// <summary>Puts a message off until the rules allow it, and logs why; it stays pending.</summary>
    public void Defer(FollowUp message, string reason, DateTimeOffset until, DateTimeOffset now)
    {
        message.DeferredUntil = until;
        Add(Record(message, MessageStatus.Deferred, reason, now) with { DeferredUntil = until });
    }

    /// <summary>
    /// Logs the claim on a message, before it is handed off. No other attempt starts before <paramref name="busyUntil"/>,
    /// the latest the hand-off can run, so an activation that crashed mid-send retries only once it surely ended.
    /// </summary>
    public MessageRecord Claim(FollowUp message, string subject, string? variant, string? couponCode, DateTimeOffset now, DateTimeOffset busyUntil)
    {
        message.Attempts++;
        message.ClaimedAt = now;
        message.RetryAt = busyUntil;
        var claim = Record(message, MessageStatus.Sending, null, now) with { Subject = subject, Attempts = message.Attempts, Variant = variant, CouponCode = couponCode };
        Add(claim);
        return claim;
    }

    /// <summary>The open claim of a message: what it was sent with.</summary>
    public MessageRecord? OpenClaim(string messageId) => Log.FindLast(record => record.MessageId == messageId && record.Status == MessageStatus.Sending);

    /// <summary>A delivery went out: the message leaves the outbox, logged sent with what it carried.</summary>
    public void Delivered(FollowUp message, DateTimeOffset at)
    {
        Pending.Remove(message);
        var claim = OpenClaim(message.MessageId) ?? Record(message, MessageStatus.Sending, null, at);
        Add(claim with { Status = MessageStatus.Sent, Reason = null, At = at, ClaimedAt = claim.At });
    }

    /// <summary>A transient failure: the message stays, and is tried again after a back-off.</summary>
    public void Retry(FollowUp message, string reason, DateTimeOffset at)
    {
        var claim = OpenClaim(message.MessageId) ?? Record(message, MessageStatus.Sending, null, at);
        Add(claim with { Reason = reason, At = at });
        message.RetryAt = at + MessageLog.RetryDelay(message.Attempts);
    }

    /// <summary>Drops the pending messages that match, each logged as skipped with <paramref name="reason"/>.</summary>
    public List<FollowUp> Cancel(Predicate<FollowUp> match, string reason, DateTimeOffset now)
    {
        var cancelled = Pending.FindAll(match);
        foreach (var message in cancelled)
        {
            End(message, MessageStatus.Skipped, reason, now);
        }

        return cancelled;
    }

    /// <summary>Logs that a message was never queued, and why: an event that came too late to start it.</summary>
    public void Ignore(string messageId, string flow, int stepNumber, string reason, DateTimeOffset now)
    {
        if (!Log.Exists(record => record.MessageId == messageId && record.Status == MessageStatus.Skipped && record.Reason == reason))
        {
            Add(new MessageRecord(messageId, flow, stepNumber, MessageStatus.Skipped, reason, now, now));
        }
    }

    /// <summary>Adds a log entry; an entry still <see cref="MessageStatus.Sending"/> is replaced by its outcome.</summary>
    public void Add(MessageRecord record) => MessageLog.Add(Log, record);

    private static MessageRecord Record(FollowUp message, MessageStatus status, string? reason, DateTimeOffset now) =>
        new(message.MessageId, message.Flow, message.StepNumber, status, reason, now, message.DueAt, null, message.Attempts);
}
