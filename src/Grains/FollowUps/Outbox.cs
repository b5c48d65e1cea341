using Orleans.Recovery.Ledger;

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

    /// <summary>What the ledger has yet to confirm of this outbox and its owner: written with the change, appended after.</summary>
    [Id(3)] public LedgerJournal Journal { get; set; } = new();

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

    /// <summary>Queues a message unless it is known already; the ledger hears it was planned.</summary>
    public bool Plan(FollowUp message, DateTimeOffset now)
    {
        if (!Enqueue(message))
        {
            return false;
        }

        Tell(message.MessageId, message.Flow, message.StepNumber, message.Marketing, message.To, MessageEventKind.Planned, now);
        return true;
    }

    /// <summary>Queues a message unless it is known already, without telling the ledger: for state that moves in from an earlier version.</summary>
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
        var record = Record(message, status, reason, now) with { ClaimedAt = status == MessageStatus.Skipped ? null : message.ClaimedAt };
        if (status == MessageStatus.Failed && OpenClaim(message.MessageId) is { } claim)
        {
            record = record with { Variant = claim.Variant, CouponCode = claim.CouponCode };
        }

        Add(record);
        Tell(record, message.To);
    }

    /// <summary>Puts a message off until the rules allow it, and logs why; it stays pending.</summary>
    public void Defer(FollowUp message, string reason, DateTimeOffset until, DateTimeOffset now)
    {
        message.DeferredUntil = until;
        var record = Record(message, MessageStatus.Deferred, reason, now) with { DeferredUntil = until };
        Add(record);
        Tell(record, message.To);
    }

    /// <summary>
    /// Logs the claim on a message, before it is handed off. No other attempt starts before <paramref name="busyUntil"/>,
    /// the latest the hand-off can run, so an activation that crashed mid-send retries only once it surely ended.
    /// </summary>
    public MessageRecord Claim(FollowUp message, string subject, string? variant, string? couponCode, DateTimeOffset now, DateTimeOffset busyUntil, string? customerKey = null)
    {
        message.Attempts++;
        message.ClaimedAt = now;
        message.RetryAt = busyUntil;
        var claim = Record(message, MessageStatus.Sending, null, now) with
        {
            Subject = subject,
            Attempts = message.Attempts,
            Variant = variant,
            CouponCode = couponCode,
            CustomerKey = customerKey,
        };
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
        var sent = claim with { Status = MessageStatus.Sent, Reason = null, At = at, ClaimedAt = claim.At };
        Add(sent);
        Tell(sent, message.To);
    }

    /// <summary>A message withdrawn while its hand-off ran reached the relay after all: the log says it went out.</summary>
    public void DeliveredAfterWithdrawal(string messageId, DateTimeOffset at)
    {
        // A report given twice (its first answer lost on the way) finds the message logged sent already.
        if (Log.FindLast(record => record.MessageId == messageId) is { } last && last.Status != MessageStatus.Sent)
        {
            var sent = last with { Status = MessageStatus.Sent, Reason = null, At = at, ClaimedAt = last.ClaimedAt ?? last.At };
            Add(sent);
            Tell(sent, sent.Flow == Feedback.FeedbackAlertPlan.Name ? Recipient.Support : Recipient.Customer);
        }
    }

    /// <summary>The record of a message that went out to the customer, for a bounce or complaint about it; null when there is none.</summary>
    public MessageRecord? SentToCustomer(string messageId) =>
        Log.FindLast(record => record.MessageId == messageId && record.Status == MessageStatus.Sent && record.Flow != Feedback.FeedbackAlertPlan.Name);

    /// <summary>
    /// Logs a bounce or complaint about <paramref name="sent"/>, and tells the ledger; each kind and reason once per
    /// message, however often it is reported. True when it is new.
    /// </summary>
    public bool RecordMailEvent(MessageRecord sent, Mail.Bounces.MailEvent mailEvent, DateTimeOffset now)
    {
        var status = mailEvent.Kind == Mail.Bounces.MailEventKind.Complaint ? MessageStatus.Complained : MessageStatus.Bounced;
        if (Log.Exists(record => record.MessageId == sent.MessageId && record.Status == status && record.Reason == mailEvent.Reason))
        {
            return false;
        }

        var record = sent with { Status = status, Reason = mailEvent.Reason, At = now };
        Add(record);
        Tell(record, Recipient.Customer);
        return true;
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
    public void Ignore(string messageId, string flow, int stepNumber, bool marketing, string reason, DateTimeOffset now)
    {
        if (!Log.Exists(record => record.MessageId == messageId && record.Status == MessageStatus.Skipped && record.Reason == reason))
        {
            var record = new MessageRecord(messageId, flow, stepNumber, MessageStatus.Skipped, reason, now, now) { Marketing = marketing };
            Add(record);
            Tell(record, Recipient.Customer);
        }
    }

    /// <summary>Adds a log entry; an entry still <see cref="MessageStatus.Sending"/> is replaced by its outcome.</summary>
    public void Add(MessageRecord record) => MessageLog.Add(Log, record);

    private static MessageRecord Record(FollowUp message, MessageStatus status, string? reason, DateTimeOffset now) =>
        new(message.MessageId, message.Flow, message.StepNumber, status, reason, now, message.DueAt, null, message.Attempts) { Marketing = message.Marketing };

    /// <summary>Tells the ledger what became of a message to the customer; alerts to the shop are no shopper's mail.</summary>
    private void Tell(MessageRecord record, Recipient to)
    {
        var kind = record.Status switch
        {
            MessageStatus.Sent => MessageEventKind.Sent,
            MessageStatus.Skipped => MessageEventKind.Skipped,
            MessageStatus.Failed => MessageEventKind.Failed,
            MessageStatus.Deferred => MessageEventKind.Deferred,
            MessageStatus.Bounced => MessageEventKind.Bounced,
            MessageStatus.Complained => MessageEventKind.Complained,
            _ => (MessageEventKind?)null,
        };
        if (kind is { } known)
        {
            // A message went out when it was claimed and handed over; the relay's answer may come back a little later.
            var at = known == MessageEventKind.Sent ? record.ClaimedAt ?? record.At : record.At;
            Tell(record.MessageId, record.Flow, record.Step, record.Marketing, to, known, at, record.Reason, record.Variant, record.CouponCode);
        }
    }

    private void Tell(string messageId, string flow, int step, bool marketing, Recipient to, MessageEventKind kind, DateTimeOffset at, string? reason = null, string? variant = null, string? couponCode = null)
    {
        if (to == Recipient.Customer)
        {
            Journal.Add(new MessageEvent
            {
                At = at,
                MessageId = messageId,
                Flow = flow,
                Step = step,
                Marketing = marketing,
                Kind = kind,
                Reason = reason,
                Variant = variant,
                CouponCode = couponCode,
            });
        }
    }
}
