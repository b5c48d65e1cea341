using Orleans.Recovery.Flows;
using Orleans.Recovery.Ledger;
using Orleans.Recovery.Mail;

namespace Orleans.Recovery.FollowUps;

/// <summary>
/// The engine's decisions as pure functions of what it found: whether a due message may go on to the customer's
/// check, and what a delivery's outcome makes of a claimed one. The engine carries them out (the writes, the calls, the
/// logs), so each rule is tested on its own, without a cluster.
/// </summary>
public static class FollowUpDecisions
{
    /// <summary>
    /// A due message before the customer is asked, the checks in their order: too late to help, already sent by an
    /// earlier copy, its step removed by the operator, or its customer in the flow's control group.
    /// </summary>
    public static DueVerdict BeforeSending(FollowUp message, FlowDefinition? definition, bool stepExists, bool alreadySent, string customerKey, DateTimeOffset now)
    {
        if (definition is not null && message.IsExpired(now, definition.Expiry))
        {
            // The next step keeps its spacing from when this one was due, so late steps never bunch up.
            return new(DueAction.Skip, SkipReason.Expired, ContinueFrom.DueTime);
        }

        if (alreadySent)
        {
            // Re-queued by an event while its first copy was on its way: it went out once, and that is enough.
            return new(DueAction.Drop, Next: ContinueFrom.Now);
        }

        if (!stepExists)
        {
            return new(DueAction.Skip, SkipReason.StepRemoved);
        }

        if (message.Marketing && message.To == Recipient.Customer && definition is { Holdout: > 0 } && Holdout.IsHeldOut(message.Flow, customerKey, definition.Holdout))
        {
            // The control group: nothing from this flow, and each step logged when it would have gone out, so the
            // report can follow these customers over the same window as the ones who got it.
            return new(DueAction.Skip, SkipReason.Holdout, ContinueFrom.Now);
        }

        return new(DueAction.Send);
    }

    /// <summary>What the relay's answer makes of a claimed message that is still the grain's to settle.</summary>
    public static SettleVerdict OnDelivery(DeliveryResult result, Recipient to) => result.Outcome switch
    {
        // The next step keeps its spacing from this one, however late this one went out: from when it was claimed and
        // handed over, not from when the relay's answer came back, which a slow relay delays.
        DeliveryOutcome.Delivered => new(SettleAction.Delivered, MessageStatus.Sent, null, ContinueFrom.Claimed),
        DeliveryOutcome.TransientFailure => new(SettleAction.Retry, null, SkipReason.TransientFailure, ContinueFrom.Nothing),
        DeliveryOutcome.Withheld => new(SettleAction.End, MessageStatus.Skipped, result.Detail ?? SkipReason.Unsubscribed, ContinueFrom.Nothing),

        // A mailbox that does not exist ends the customer's mail, not just this message.
        DeliveryOutcome.MailboxUnavailable when to == Recipient.Customer =>
            new(SettleAction.End, MessageStatus.Failed, SkipReason.InvalidAddress, ContinueFrom.Nothing, SuppressAddress: true),
        _ => new(SettleAction.End, MessageStatus.Failed, SkipReason.Rejected, ContinueFrom.Now),
    };
}

/// <summary>What the engine does with a due message before the customer's check.</summary>
public enum DueAction
{
    /// <summary>On to the customer's check, the coupon and the claim.</summary>
    Send,

    /// <summary>Ends, logged skipped with the reason.</summary>
    Skip,

    /// <summary>Leaves the outbox unlogged: the log already has it.</summary>
    Drop,
}

/// <summary>Where the sequence goes on from once a message is done with.</summary>
public enum ContinueFrom
{
    /// <summary>It does not: the sequence ends here, or the message is tried again.</summary>
    Nothing,

    /// <summary>From when the message was due.</summary>
    DueTime,

    /// <summary>From now.</summary>
    Now,

    /// <summary>From when the message was claimed and handed over.</summary>
    Claimed,
}

public readonly record struct DueVerdict(DueAction Action, string? Reason = null, ContinueFrom Next = ContinueFrom.Nothing);

/// <summary>What the engine does on a delivery's outcome.</summary>
public enum SettleAction
{
    Delivered,
    Retry,
    End,
}

/// <param name="Action">Logged sent, tried again, or ended.</param>
/// <param name="Status">How the message is logged: sent, or how it ended; none while it is tried again.</param>
/// <param name="Reason">Why it ended or is tried again.</param>
/// <param name="Next">Where its sequence goes on from.</param>
/// <param name="SuppressAddress">The customer's address is suppressed for good.</param>
public readonly record struct SettleVerdict(SettleAction Action, MessageStatus? Status, string? Reason, ContinueFrom Next, bool SuppressAddress = false);
