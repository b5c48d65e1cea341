using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Recovery.Coupons;
using Orleans.Recovery.Customers;
using Orleans.Recovery.Flows;
using Orleans.Recovery.FollowUps;
using Orleans.Recovery.Ledger;
using Orleans.Recovery.Mail;
using Orleans.Recovery.Retention;

namespace Orleans.Recovery.Carts;

/// <summary>The cart as its follow-up engine sees it: the owner of an outbox of abandoned-cart reminders.</summary>
public sealed partial class CartGrain
{
    public Task RetimeAsync(string flow, FlowDefinition definition) => Engine.RetimeAsync(flow, definition);

    public Task SettleAsync(string messageId, int attempt, DeliveryResult result) => Engine.SettleAsync(messageId, attempt, result);

    public Task<bool> IsOwedAsync(string messageId, int attempt) => Task.FromResult(Engine.IsOwed(messageId, attempt));

    public Task<bool> RecordMailEventAsync(string messageId, Mail.Bounces.MailEvent mailEvent) => Engine.RecordMailEventAsync(messageId, mailEvent);

    public Task ReceiveReminder(string reminderName, TickStatus status) => Engine.TickAsync();

    public Task LedgerConfirmedAsync() => Engine.LedgerConfirmedAsync();

    Outbox IFollowUpOwner.Outbox => State.Outbox;

    string IFollowUpOwner.CustomerKey => KeyOf(State.Snapshot!.Customer);

    IFollowUpPlan IFollowUpOwner.PlanFor(FollowUp message) => AbandonedCartPlan.Instance;

    SendRequest IFollowUpOwner.RequestFor(FollowUp message)
    {
        var snapshot = State.Snapshot!;
        return new SendRequest(message.MessageId, Marketing: true, snapshot.Customer.TimeZone, snapshot.Customer.Country)
        {
            CartSkus = snapshot.Skus,
            CartFirstSeenAt = State.FirstSeenAt,
            CartId = CartId,
        };
    }

    Parcel IFollowUpOwner.Compose(FollowUp message, ResolvedStep step, int stepCount, CouponIssue? coupon, DateTimeOffset now) =>
        Parcel.Of(reminderMail.Compose(State.Snapshot!, message.StepNumber - 1, stepCount, step, coupon, message.MessageId, now));

    Task IFollowUpOwner.PurchasedAsync(string? orderId, DateTimeOffset now) => StoppedByPurchaseAsync(orderId, now);

    bool IFollowUpOwner.ErasedBy(DateTimeOffset erasedAt) => (State.ShopperSince ?? State.FirstSeenAt) < erasedAt;

    Task IFollowUpOwner.ErasedAsync() => EraseAsync();

    Task IFollowUpOwner.WriteStateAsync() => cart.WriteStateAsync();

    LedgerOwner IFollowUpOwner.LedgerOwner => new(LedgerOwner.Cart, CartId, SnapshotKey, State.Snapshot?.Customer.CustomerId);

    Lead? IFollowUpOwner.Lead => State.ToLead();
}
