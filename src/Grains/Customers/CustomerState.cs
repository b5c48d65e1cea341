using System.Collections.Immutable;
using Orleans.Recovery.FollowUps;
using Orleans.Recovery.Ledger;

namespace Orleans.Recovery.Customers;

/// <summary>A shopper across carts and orders: consent, suppression, and what they bought recently.</summary>
[GenerateSerializer, Alias("customer-state")]
public sealed partial class CustomerState
{
    // An order may reach us a little before the cart it bought; orders this much older than a cart still count.
    public static readonly TimeSpan OutOfOrderTolerance = TimeSpan.FromHours(1);

    private const int RecentOrdersKept = 50;
    private const int MailEventIdsKept = 50;

    [Id(0)] public DateTimeOffset? UnsubscribedAt { get; set; }
    [Id(1)] public string? SuppressedBecause { get; set; }
    [Id(2)] public Dictionary<string, TrackedCart> Carts { get; set; } = [];
    [Id(3)] public List<TrackedOrder> RecentOrders { get; set; } = [];

    /// <summary>The recent order, if any, that bought every item of a cart first seen at <paramref name="firstSeenAt"/>.</summary>
    public string? OrderThatBought(ImmutableArray<string> skus, DateTimeOffset firstSeenAt) =>
        RecentOrders.FindLast(order => order.Covers(skus) && order.ReceivedAt >= firstSeenAt - OutOfOrderTolerance)?.OrderId;

    public void RememberOrder(TrackedOrder order)
    {
        if (RecentOrders.Exists(o => o.OrderId == order.OrderId))
        {
            return;
        }

        RecentOrders.Add(order);
        if (RecentOrders.Count > RecentOrdersKept)
        {
            RecentOrders.RemoveAt(0);
        }
    }

    /// <summary>Marketing messages sent or claimed within the cap's window, newest last.</summary>
    [Id(4)] public List<MarketingSend> MarketingSends { get; set; } = [];

    /// <summary>The variant each experiment ("flow/step") first gave this customer.</summary>
    [Id(5)] public Dictionary<string, string> Variants { get; set; } = [];

    /// <summary>When the customer asked for the newsletter by an explicit click; null when they never did.</summary>
    [Id(6)] public DateTimeOffset? NewsletterConsentAt { get; set; }

    /// <summary>What the ledger has yet to confirm: an unsubscribe.</summary>
    [Id(7)] public LedgerJournal Journal { get; set; } = new();

    /// <summary>The shopper's choices on the unsubscribe page and by one-click, oldest first.</summary>
    [Id(8)] public List<PreferenceChoice> Preferences { get; set; } = [];

    /// <summary>The shopper's marketing consent as given and taken back, oldest first; the newest says whether it holds.</summary>
    [Id(9)] public List<ConsentRecord> Consents { get; set; } = [];

    /// <summary>When an order of this shopper was first reported paid: an existing customer, for <see cref="ConsentMode.ExistingCustomer"/>.</summary>
    [Id(10)] public DateTimeOffset? PaidOrderSince { get; set; }

    /// <summary>When the address was suppressed, and by what (<see cref="SuppressedBecause"/> says why).</summary>
    [Id(11)] public DateTimeOffset? SuppressedAt { get; set; }

    /// <summary>When the shopper first marked our mail as spam: no more marketing mail; transactional notices still go.</summary>
    [Id(12)] public DateTimeOffset? ComplainedAt { get; set; }

    /// <summary>Soft bounces within <see cref="Mail.Bounces.BounceOptions.SoftWindow"/>, oldest first.</summary>
    [Id(13)] public List<DateTimeOffset> SoftBounces { get; set; } = [];

    /// <summary>The reports already applied, newest last: one read twice (a mailbox read again, a webhook retried) counts once.</summary>
    [Id(14)] public List<string> MailEventIds { get; set; } = [];

    /// <summary>
    /// Carts that held this shopper's details and are no longer pending (first reported empty, emptied, deleted, or
    /// given another address), with when: the cart still holds the details until retention clears it, and an erase or an
    /// export must find it though neither <see cref="Carts"/> nor the ledger names it.
    /// </summary>
    [Id(15)] public Dictionary<string, DateTimeOffset> FormerCarts { get; set; } = [];

    /// <summary>
    /// Files <paramref name="cartId"/> under <see cref="FormerCarts"/>, dropping those the retention sweep has cleared by
    /// now: it clears a cart <paramref name="retention"/> after its last change, which was no later than this.
    /// </summary>
    public void RememberFormerCart(string cartId, DateTimeOffset now, TimeSpan retention)
    {
        Carts.Remove(cartId);
        FormerCarts[cartId] = now;
        foreach (var (id, at) in FormerCarts.Where(pair => pair.Value < now - retention - RetentionSweepSlack).ToList())
        {
            FormerCarts.Remove(id);
        }
    }

    /// <summary>The sweep runs once a day; two days past the retention period the cart is surely cleared.</summary>
    private static readonly TimeSpan RetentionSweepSlack = TimeSpan.FromDays(2);

    /// <summary>True while the newest consent record gives consent.</summary>
    public bool HasConsent => Consents.Count > 0 && Consents[^1].Given;

    /// <summary>
    /// Keeps a consent given, or one taken back in the checkout it was given in; true when that changed anything. The
    /// same consent reported again with every snapshot is kept once, and "no consent" from any other cart is no withdrawal:
    /// the shopper takes consent back by unsubscribing.
    /// </summary>
    public bool RecordConsent(ConsentRecord record)
    {
        var current = Consents.Count > 0 ? Consents[^1] : null;
        if (record.Given)
        {
            if (current is { Given: true } && current.Source == record.Source && current.Text == record.Text && current.CartId == record.CartId)
            {
                return false;
            }
        }
        else if (current is not { Given: true } || current.CartId is null || current.CartId != record.CartId)
        {
            return false;
        }

        Consents.Add(record);
        if (Consents.Count > ConsentRecord.Kept)
        {
            Consents.RemoveAt(0);
        }

        return true;
    }

    /// <summary>Keeps <paramref name="choice"/>; one that stops all marketing unsubscribes. True when that is new.</summary>
    public bool Record(PreferenceChoice choice)
    {
        Preferences.Add(choice);
        if (Preferences.Count > PreferenceChoice.Kept)
        {
            Preferences.RemoveAt(0);
        }

        if (!choice.StopsAllMarketing || UnsubscribedAt is not null)
        {
            return false;
        }

        UnsubscribedAt = choice.At;
        return true;
    }

    /// <summary>
    /// Applies a bounce or complaint: a hard bounce suppresses the address for all mail, a complaint for marketing
    /// mail, and <paramref name="softLimit"/> soft bounces within 30 days for all mail. An erased customer keeps nothing,
    /// and a report already applied changes nothing. True when anything changed.
    /// </summary>
    public bool RecordMailEvent(Mail.Bounces.MailEvent mailEvent, DateTimeOffset now, int softLimit)
    {
        if (SuppressedBecause == SkipReason.Erased || MailEventIds.Contains(mailEvent.EventId))
        {
            return false;
        }

        MailEventIds.Add(mailEvent.EventId);
        if (MailEventIds.Count > MailEventIdsKept)
        {
            MailEventIds.RemoveAt(0);
        }

        switch (mailEvent.Kind)
        {
            case Mail.Bounces.MailEventKind.HardBounce:
                Suppress(SkipReason.HardBounce, now);
                break;
            case Mail.Bounces.MailEventKind.Complaint:
                ComplainedAt ??= now;
                break;
            default:
                SoftBounces.RemoveAll(at => at <= now - Mail.Bounces.BounceOptions.SoftWindow);
                SoftBounces.Add(now);
                if (SoftBounces.Count > softLimit)
                {
                    SoftBounces.RemoveRange(0, SoftBounces.Count - softLimit);
                }

                if (SoftBounces.Count >= softLimit)
                {
                    Suppress(SkipReason.SoftBounces, now);
                }

                break;
        }

        return true;
    }

    /// <summary>Suppresses the address for all mail, unless it already is: the first cause is the one kept.</summary>
    public void Suppress(string reason, DateTimeOffset now)
    {
        if (SuppressedBecause is null)
        {
            SuppressedBecause = reason;
            SuppressedAt = now;
        }
    }

    /// <summary>What suppresses this address now, for the operator: its cause, since when, and whether transactional mail still goes.</summary>
    public Suppression? Suppression => SuppressedBecause is { } cause
        ? new Suppression(cause, SuppressedAt, MarketingOnly: false)
        : ComplainedAt is { } complainedAt ? new Suppression(SkipReason.Complaint, complainedAt, MarketingOnly: true) : null;
}
