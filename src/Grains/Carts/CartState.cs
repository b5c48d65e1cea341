using Orleans.Recovery.Flows;
using Orleans.Recovery.Mail;

namespace Orleans.Recovery.Carts;

/// <summary>
/// A cart and its place in the abandoned-cart flow. The rules that decide what is due live here, beside the data,
/// so the grain only does the I/O around them.
/// </summary>
[GenerateSerializer, Alias("cart-state")]
public sealed class CartState
{
    [Id(0)] public CartSnapshot? Snapshot { get; set; }
    [Id(1)] public CartStatus Status { get; set; }
    [Id(2)] public string? PurchasedOrderId { get; set; }
    [Id(3)] public DateTimeOffset? FirstSeenAt { get; set; }
    [Id(4)] public DateTimeOffset? LastActivityAt { get; set; }

    /// <summary>Index of the next step of the flow to send.</summary>
    [Id(5)] public int NextStep { get; set; }

    /// <summary>When the next step is due; null when nothing is pending.</summary>
    [Id(6)] public DateTimeOffset? NextDueAt { get; set; }

    /// <summary>After a transient delivery failure, no new attempt before this time.</summary>
    [Id(7)] public DateTimeOffset? RetryAt { get; set; }

    /// <summary>The due time the reminder was last registered for; null when no reminder is registered.</summary>
    [Id(8)] public DateTimeOffset? ReminderDueAt { get; set; }

    [Id(9)] public List<MessageRecord> Messages { get; set; } = [];
    [Id(10)] public List<LinkClick> Clicks { get; set; } = [];

    /// <summary>The time the pending step is counted from: the last activity, or the step before it going out.</summary>
    [Id(11)] public DateTimeOffset? AnchorAt { get; set; }

    /// <summary>True when <see cref="AnchorAt"/> is shopper activity, from which a step's whole delay counts.</summary>
    [Id(12)] public bool AnchoredOnActivity { get; set; }

    /// <summary>Quiet hours or the frequency cap put the pending step off until then.</summary>
    [Id(13)] public DateTimeOffset? DeferredUntil { get; set; }

    public bool HasPendingStep => Status == CartStatus.Active && NextDueAt is not null;

    /// <summary>The next step may be attempted now.</summary>
    public bool IsDue(DateTimeOffset now) => HasPendingStep && NextDueAt <= now && !(RetryAt > now) && !(DeferredUntil > now);

    /// <summary>
    /// The next step is so late that sending it would no longer help. A deferral by the rules is not lateness: the
    /// step counts as due from the end of the deferral.
    /// </summary>
    public bool IsExpired(DateTimeOffset now, FlowDefinition flow) => HasPendingStep && now - Later(NextDueAt, DeferredUntil) > flow.Expiry;

    /// <summary>When this cart next needs its grain to wake up, if ever.</summary>
    public DateTimeOffset? WakeAt => !HasPendingStep ? null : Later(Later(NextDueAt, RetryAt), DeferredUntil);

    private static DateTimeOffset? Later(DateTimeOffset? a, DateTimeOffset? b) => b > a || a is null ? b : a;

    /// <summary>
    /// Times the pending step on the flow as it is now, so an operator's change of delays applies to steps not yet
    /// sent. A step whose flow lost it ends the sequence.
    /// </summary>
    public void Retime(string cartId, FlowDefinition flow, DateTimeOffset now)
    {
        if (!HasPendingStep || AnchorAt is not { } anchor)
        {
            return;
        }

        if (NextStep >= flow.Steps.Count)
        {
            // The operator removed the step this cart was waiting for: the sequence ends here, and the log says why.
            Cancel(cartId, CartStatus.Active, SkipReason.StepRemoved, now);
            return;
        }

        NextDueAt = anchor + (AnchoredOnActivity ? flow.Steps[NextStep].Delay : flow.GapBefore(NextStep));
    }

    /// <summary>The message id of step <paramref name="step"/>, stable across retries, ticks and restarts.</summary>
    public static string MessageId(string cartId, int step) => $"{cartId}/{FlowNames.CartAbandonment}/{step + 1}";

    /// <summary>The cart a message id belongs to (cart ids may themselves hold slashes).</summary>
    public static string? CartIdOf(string messageId)
    {
        var step = messageId.LastIndexOf('/');
        var flow = step > 0 ? messageId.LastIndexOf('/', step - 1) : -1;
        return flow > 0 && messageId.AsSpan(flow + 1, step - flow - 1).SequenceEqual(FlowNames.CartAbandonment) ? messageId[..flow] : null;
    }

    public bool WasSent(string messageId) => Messages.Exists(m => m.MessageId == messageId && m.Status == MessageStatus.Sent);

    /// <summary>Shopper activity: the next unsent step is timed from now.</summary>
    public void RecordActivity(DateTimeOffset now, FlowDefinition flow)
    {
        FirstSeenAt ??= now;
        LastActivityAt = now;
        if (Status is CartStatus.Purchased)
        {
            return;
        }

        Status = CartStatus.Active;
        RetryAt = null;
        DeferredUntil = null;
        AnchorAt = now;
        AnchoredOnActivity = true;
        NextDueAt = NextStep < flow.Steps.Count ? now + flow.Steps[NextStep].Delay : null;
    }

    /// <summary>Stops the flow; the step that was pending is logged as skipped with <paramref name="reason"/>.</summary>
    public void Cancel(string cartId, CartStatus status, string reason, DateTimeOffset now)
    {
        if (HasPendingStep)
        {
            Log(new MessageRecord(MessageId(cartId, NextStep), FlowNames.CartAbandonment, NextStep + 1, MessageStatus.Skipped, reason, now, NextDueAt!.Value));
        }

        Status = status;
        NextDueAt = null;
        RetryAt = null;
        DeferredUntil = null;
    }

    /// <summary>Moves past the current step. The next keeps its spacing from <paramref name="from"/>, so late steps never bunch up.</summary>
    public void Advance(DateTimeOffset from, FlowDefinition flow)
    {
        NextStep++;
        RetryAt = null;
        DeferredUntil = null;
        AnchorAt = from;
        AnchoredOnActivity = false;
        NextDueAt = NextStep < flow.Steps.Count ? from + flow.GapBefore(NextStep) : null;
    }

    /// <summary>Puts the pending step off until the rules allow it, and logs why; it is not skipped.</summary>
    public void Defer(string cartId, string reason, DateTimeOffset until, DateTimeOffset now)
    {
        Log(new MessageRecord(MessageId(cartId, NextStep), FlowNames.CartAbandonment, NextStep + 1, MessageStatus.Deferred, reason, now, NextDueAt!.Value) { DeferredUntil = until });
        DeferredUntil = until;
    }

    /// <summary>Logs a skip of the pending step and moves on.</summary>
    public void Skip(string cartId, string reason, DateTimeOffset now, FlowDefinition flow)
    {
        var due = NextDueAt!.Value;
        Log(new MessageRecord(MessageId(cartId, NextStep), FlowNames.CartAbandonment, NextStep + 1, MessageStatus.Skipped, reason, now, due));
        Advance(due, flow);
    }

    /// <summary>Logs the claim on the pending step, before it is handed to the mail grain.</summary>
    public MessageRecord Claim(string messageId, string subject, string? variant, string? couponCode, DateTimeOffset now)
    {
        var attempts = (OpenAttempt(messageId)?.Attempts ?? 0) + 1;
        var claim = new MessageRecord(messageId, FlowNames.CartAbandonment, NextStep + 1, MessageStatus.Sending, null, now, NextDueAt!.Value, subject, attempts)
        {
            Variant = variant,
            CouponCode = couponCode,
        };
        Log(claim);
        return claim;
    }

    /// <summary>
    /// Applies a delivery's outcome: sent moves on, a transient failure backs off, a rejection moves on with the
    /// message failed, and a mailbox that does not exist ends the flow. True when the address must be suppressed.
    /// </summary>
    public bool Settle(MessageRecord claim, DeliveryResult result, DateTimeOffset at, FlowDefinition flow)
    {
        switch (result.Outcome)
        {
            case DeliveryOutcome.Delivered or DeliveryOutcome.AlreadyDelivered:
                Log(claim with { Status = MessageStatus.Sent, At = at, ClaimedAt = claim.At });
                Advance(at, flow);
                return false;
            case DeliveryOutcome.TransientFailure:
                Log(claim with { Reason = SkipReason.TransientFailure, At = at });
                ScheduleRetry(at, claim.Attempts);
                return false;
            case DeliveryOutcome.MailboxUnavailable:
                Log(claim with { Status = MessageStatus.Failed, Reason = SkipReason.InvalidAddress, At = at, ClaimedAt = claim.At });
                NextDueAt = null;
                RetryAt = null;
                DeferredUntil = null;
                return true;
            default:
                Log(claim with { Status = MessageStatus.Failed, Reason = SkipReason.Rejected, At = at, ClaimedAt = claim.At });
                Advance(at, flow);
                return false;
        }
    }

    /// <summary>Backs off after a transient failure: 1, 2, 4 … minutes, at most 30.</summary>
    public void ScheduleRetry(DateTimeOffset now, int attempts)
    {
        RetryAt = now + MessageLog.RetryDelay(attempts);
    }

    /// <summary>Adds a log entry; an entry still <see cref="MessageStatus.Sending"/> is replaced by its outcome.</summary>
    public void Log(MessageRecord record) => MessageLog.Add(Messages, record);

    public MessageRecord? OpenAttempt(string messageId) =>
        Messages.FindLast(m => m.MessageId == messageId && m.Status == MessageStatus.Sending);
}
