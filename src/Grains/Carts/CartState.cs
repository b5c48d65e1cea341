using Orleans.Recovery.Flows;
using Orleans.Recovery.FollowUps;

namespace Orleans.Recovery.Carts;

/// <summary>A cart, what the shopper did with it, and the follow-ups it still owes in its outbox.</summary>
[GenerateSerializer, Alias("cart-state")]
public sealed partial class CartState
{
    [Id(0)] public CartSnapshot? Snapshot { get; set; }
    [Id(1)] public CartStatus Status { get; set; }
    [Id(2)] public string? PurchasedOrderId { get; set; }
    [Id(3)] public DateTimeOffset? FirstSeenAt { get; set; }
    [Id(4)] public DateTimeOffset? LastActivityAt { get; set; }
    [Id(10)] public List<LinkClick> Clicks { get; set; } = [];
    [Id(14)] public Outbox Outbox { get; set; } = new();

    /// <summary>The step waiting to go out, if any: a cart owes at most one at a time.</summary>
    public FollowUp? Pending => Outbox.Pending.Count > 0 ? Outbox.Pending[0] : null;

    /// <summary>
    /// The index of the next step not yet done: the one pending, else the one after the last that went out, failed or
    /// expired. A step stopped for another reason (the cart was emptied, the address refused) is timed again by activity.
    /// </summary>
    public int NextStep => Pending is { } pending
        ? pending.StepNumber - 1
        : Outbox.Log.Where(record => record.Status is MessageStatus.Sent or MessageStatus.Failed || record.Reason == SkipReason.Expired)
            .Select(record => record.Step).DefaultIfEmpty(0).Max();

    /// <summary>The last thing that happened to the cart: the shopper's activity, a message, a click.</summary>
    /// <summary>Nothing pending and nothing happened since <paramref name="cutoff"/>: retention may forget it.</summary>
    public bool IsRetired(DateTimeOffset cutoff) => Status != CartStatus.Unknown && Outbox.Pending.Count == 0 && !(LastActivity > cutoff);

    public DateTimeOffset? LastActivity => new[] { LastActivityAt, Outbox.Log.Count > 0 ? Outbox.Log.Max(record => record.At) : null, Clicks.Count > 0 ? Clicks.Max(click => click.At) : null }.Max();

    /// <summary>Shopper activity: the next unsent step is timed from now, with its whole delay.</summary>
    public void RecordActivity(string cartId, DateTimeOffset now, FlowDefinition flow)
    {
        FirstSeenAt ??= now;
        LastActivityAt = now;
        if (Status is CartStatus.Purchased)
        {
            return;
        }

        Status = CartStatus.Active;
        if (Pending is { } pending && pending.StepNumber - 1 < flow.Steps.Count)
        {
            // The same message, re-timed: it keeps its attempts and its place under the cap.
            pending.TimedFrom = now;
            pending.FromTrigger = true;
            pending.DueAt = now + flow.Steps[pending.StepNumber - 1].Delay;
            pending.RetryAt = null;
            pending.DeferredUntil = null;
        }
        else if (Pending is null && AbandonedCartPlan.Instance.OnActivity(cartId, NextStep, now, flow) is { } step)
        {
            Outbox.Enqueue(step);
        }
    }
}
