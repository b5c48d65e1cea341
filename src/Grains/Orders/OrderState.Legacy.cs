using Orleans.Recovery.FollowUps;

namespace Orleans.Recovery.Orders;

/// <summary>
/// Orders stored before the follow-up engine kept their pending messages and log beside the order. These members read
/// them, and <see cref="Upgrade"/> moves them into the outbox, so what they owed goes out once.
/// </summary>
public sealed partial class OrderState
{
    [Id(9)] public List<FollowUp>? LegacyPending { get; set; }
    [Id(10)] public List<MessageRecord>? LegacyMessages { get; set; }
    [Id(11)] public DateTimeOffset? LegacyReminderDueAt { get; set; }

    /// <summary>Moves an order stored by an earlier version into the outbox; true when there was one to move.</summary>
    public bool Upgrade()
    {
        if (LegacyPending is null && LegacyMessages is null && LegacyReminderDueAt is null)
        {
            return false;
        }

        Outbox.Log.AddRange(LegacyMessages ?? []);
        foreach (var message in LegacyPending ?? [])
        {
            // A claim was granted a place under the cap; it is given back if the message never goes out.
            message.HoldsPlace = message.Marketing && Outbox.OpenClaim(message.MessageId) is not null;
            Outbox.Enqueue(message);
        }

        Outbox.ReminderDueAt ??= LegacyReminderDueAt;
        LegacyPending = null;
        LegacyMessages = null;
        LegacyReminderDueAt = null;
        return true;
    }
}
