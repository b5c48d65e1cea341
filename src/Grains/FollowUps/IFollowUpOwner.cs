using Orleans.Recovery.Coupons;
using Orleans.Recovery.Customers;
using Orleans.Recovery.Flows;
using Orleans.Recovery.Ledger;
using Orleans.Recovery.Mail;
using Orleans.Recovery.Feedback;

namespace Orleans.Recovery.FollowUps;

/// <summary>A grain that owes follow-ups, as the engine sees it: its outbox, its facts, and how its messages read.</summary>
public interface IFollowUpOwner
{
    Outbox Outbox { get; }

    /// <summary>The key of the customer the messages go to.</summary>
    string CustomerKey { get; }

    IFollowUpPlan PlanFor(FollowUp message);

    /// <summary>What the customer's send rules need to know of a message: time zone, country, the cart's items.</summary>
    SendRequest RequestFor(FollowUp message);

    /// <summary>The message as it goes out. Throws when its template cannot render it.</summary>
    Parcel Compose(FollowUp message, ResolvedStep step, int stepCount, CouponIssue? coupon, DateTimeOffset now);

    /// <summary>The customer's rules found an order that bought what the follow-ups are about.</summary>
    Task PurchasedAsync(string? orderId, DateTimeOffset now);

    /// <summary>
    /// Whether an erase of the customer at <paramref name="erasedAt"/> should have taken this owner, which then erases
    /// itself (<see cref="ErasedAsync"/>): a cart reported before it, which the erase did not reach (reported while it
    /// ran, before the ledger had its lead). A cart reported after, or an order, keeps its record; its messages are skipped.
    /// </summary>
    bool ErasedBy(DateTimeOffset erasedAt);

    /// <summary>Erases the owner: its pending messages withdrawn, its ledger lead and state removed.</summary>
    Task ErasedAsync();

    /// <summary>Writes the owner's state, outbox included, with its ETag.</summary>
    Task WriteStateAsync();

    /// <summary>Whom the ledger files the owner's entries under: the grain and its customer.</summary>
    LedgerOwner LedgerOwner { get; }

    /// <summary>The owner as the leads list shows it, once it is an abandoned cart or a failed payment; otherwise null.</summary>
    Lead? Lead { get; }
}

/// <summary>
/// A composed message, whole: an email, or an alert for the shop's webhook. It is built on the owner's turn, where its
/// state is, and travels to the mail grain that hands it over.
/// </summary>
/// <param name="Subject">What the log shows of it.</param>
/// <param name="Mail">The email, for a message to a customer or the shop's support address.</param>
/// <param name="Alert">The alert, for the shop's webhook.</param>
[GenerateSerializer, Immutable, Alias("parcel")]
public sealed record Parcel([property: Id(0)] string Subject, [property: Id(1)] OutgoingMail? Mail = null, [property: Id(2)] LowRatingAlert? Alert = null)
{
    public static Parcel Of(OutgoingMail mail) => new(mail.Subject, Mail: mail);

    public static Parcel Of(LowRatingAlert alert) => new("webhook", Alert: alert);
}
