using Orleans.Recovery.Flows;
using Orleans.Recovery.FollowUps;
using Orleans.Recovery.Ledger;

namespace Orleans.Recovery.Carts;

/// <summary>
/// Carts stored before the follow-up engine kept their place in the flow as a cursor. These members read it, and
/// <see cref="Upgrade"/> moves it into the outbox, so a cart's pending step goes out once, on time.
/// </summary>
public sealed partial class CartState
{
    [Id(5)] public int LegacyNextStep { get; set; }
    [Id(6)] public DateTimeOffset? LegacyNextDueAt { get; set; }
    [Id(7)] public DateTimeOffset? LegacyRetryAt { get; set; }
    [Id(8)] public DateTimeOffset? LegacyReminderDueAt { get; set; }
    [Id(9)] public List<MessageRecord>? LegacyMessages { get; set; }
    [Id(11)] public DateTimeOffset? LegacyAnchorAt { get; set; }
    [Id(12)] public bool LegacyAnchoredOnActivity { get; set; }
    [Id(13)] public DateTimeOffset? LegacyDeferredUntil { get; set; }

    /// <summary>Moves a cart stored by an earlier version into the outbox; true when there was one to move.</summary>
    public bool Upgrade(string cartId)
    {
        if (LegacyMessages is null && LegacyNextDueAt is null && LegacyReminderDueAt is null)
        {
            return false;
        }

        Outbox.Log.AddRange(LegacyMessages ?? []);
        Outbox.ReminderDueAt ??= LegacyReminderDueAt;
        if (Status == CartStatus.Active && LegacyNextDueAt is { } due)
        {
            var messageId = AbandonedCartPlan.MessageId(cartId, LegacyNextStep);
            var claim = Outbox.OpenClaim(messageId);
            Outbox.Enqueue(new FollowUp
            {
                MessageId = messageId,
                Flow = FlowNames.CartAbandonment,
                StepNumber = LegacyNextStep + 1,
                DueAt = due,
                RetryAt = LegacyRetryAt,
                DeferredUntil = LegacyDeferredUntil,
                TimedFrom = LegacyAnchorAt,
                FromTrigger = LegacyAnchoredOnActivity,
                Marketing = true,
                Attempts = claim?.Attempts ?? 0,

                // A claim was granted a place under the cap; it is given back if the step never goes out.
                HoldsPlace = claim is not null,
            });
        }

        LegacyMessages = null;
        LegacyNextDueAt = null;
        LegacyRetryAt = null;
        LegacyReminderDueAt = null;
        LegacyAnchorAt = null;
        LegacyDeferredUntil = null;
        return true;
    }
}
