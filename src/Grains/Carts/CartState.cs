using Orleans.Recovery.Flows;
using Orleans.Recovery.FollowUps;
using Orleans.Recovery.Ledger;

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

    /// <summary>When the shopper asked for no more reminders about this cart; activity then plans none.</summary>
    [Id(15)] public DateTimeOffset? RemindersStoppedAt { get; set; }

    /// <summary>The contact the capture script reported at checkout, before or without the shop's report of the items.</summary>
    [Id(16)] public CapturedContact? Captured { get; set; }

    /// <summary>Items the shop reported without a contact: they become the snapshot once a contact is captured.</summary>
    [Id(17)] public CartContents? AwaitingContact { get; set; }

    /// <summary>True while the snapshot's shopper is the captured contact, so a corrected capture updates it.</summary>
    [Id(18)] public bool ContactFromCapture { get; set; }

    /// <summary>The consent the snapshots last brought, as the customer was told it: the same consent again is not news.</summary>
    [Id(19)] public string? ConsentTold { get; set; }

    /// <summary>When the snapshot's shopper became this cart's (its first report, or a report naming another shopper).</summary>
    [Id(20)] public DateTimeOffset? ShopperSince { get; set; }

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

    /// <summary>Nothing pending and nothing happened since <paramref name="cutoff"/>: retention may forget it.</summary>
    public bool IsRetired(DateTimeOffset cutoff) =>
        (Status != CartStatus.Unknown || Captured is not null || AwaitingContact is not null) && Outbox.Pending.Count == 0 && !(LastActivity > cutoff);

    /// <summary>The last thing that happened to the cart: the shopper's activity, a message, a click.</summary>
    public DateTimeOffset? LastActivity => new[] { LastActivityAt, Captured?.At, Outbox.Log.Where(record => !record.IsReport).Max(record => (DateTimeOffset?)record.At), Clicks.Count > 0 ? Clicks.Max(click => click.At) : null }.Max();

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
        if (RemindersStoppedAt is not null)
        {
            return;
        }

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
            Outbox.Plan(step, now);
        }
    }

    /// <summary>A click on a recovery link: kept for the view (at most 100, so a link shared widely cannot grow the state), always told to the ledger.</summary>
    public void RecordClick(string messageId, DateTimeOffset now)
    {
        if (Clicks.Count < 100)
        {
            Clicks.Add(new LinkClick(messageId, now));
        }

        Outbox.Journal.Add(new MessageEvent
        {
            At = now,
            MessageId = messageId,
            Flow = FlowNames.CartAbandonment,
            Step = AbandonedCartPlan.StepOf(messageId) ?? 0,
            Marketing = true,
            Kind = MessageEventKind.Clicked,
        });
    }

    /// <summary>
    /// The cart as the leads list shows it, once it is an abandoned cart: its first step came due. Recovered once bought;
    /// finished when no step is left pending.
    /// </summary>
    public Lead? ToLead()
    {
        if (Snapshot is not { } snapshot || !Outbox.Log.Exists(record => record.IsDecided))
        {
            return null;
        }

        return Leads.Of(Lead.CartType, snapshot.Customer, snapshot.Items, snapshot.Total, snapshot.Currency, Outbox.Log) with
        {
            CreatedAt = FirstSeenAt ?? LastActivityAt!.Value,
            LastActivityAt = LastActivity!.Value,
            Outcome = Status == CartStatus.Purchased ? LeadOutcome.Recovered : LeadOutcome.Open,
            OrderId = Status == CartStatus.Purchased ? PurchasedOrderId : null,
            FinishedAt = Outbox.Pending.Count > 0 ? null : Outbox.Log.Where(record => !record.IsReport).Max(record => record.At),
        };
    }
}
