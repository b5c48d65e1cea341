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

/// <summary>
/// Holds one cart and its outbox of abandoned-cart follow-ups, under one reminder. Single-threaded, so the decision to
/// send and a purchase arriving can never interleave; the hand-off to the relay runs outside its turns, so a purchase
/// never waits for it.
/// </summary>
public sealed partial class CartGrain(
    [PersistentState("cart", RecoveryStorage.Name)] IPersistentState<CartState> cart,
    FollowUpServices followUps,
    CartReminderMail reminderMail,
    MailSender sender,
    IOptionsMonitor<RetentionOptions> retention,
    ILogger<CartGrain> logger) : Grain, ICartGrain, IRemindable, IFollowUpOwner
{
    public const string ReminderName = "follow-up";

    private FollowUpEngine? _engine;

    private CartState State => cart.State;

    private string CartId => this.GetPrimaryKeyString();

    private FollowUpEngine Engine => _engine ??= new FollowUpEngine(this, this, ReminderName, followUps);

    private ICustomerGrain CustomerOf(CartSnapshot snapshot) => GrainFactory.GetGrain<ICustomerGrain>(KeyOf(snapshot.Customer));

    private string KeyOf(CustomerProfile customer) => followUps.CustomerKeys.Of(customer);

    private string? SnapshotKey => State.Snapshot is { } snapshot ? KeyOf(snapshot.Customer) : null;

    private DateTimeOffset Now => followUps.Clock.GetUtcNow();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // A cart stored by an earlier version: its pending step moves into the outbox, written with the next change.
        State.Upgrade(CartId);
        Engine.Resume();
        return Task.CompletedTask;
    }

    public Task UpdateAsync(CartSnapshot snapshot)
    {
        // The shop named the shopper: its contact wins over a captured one, and items awaiting a contact are replaced.
        State.ContactFromCapture = false;
        State.AwaitingContact = null;
        return ApplyAsync(snapshot, snapshot.Customer.ConsentAt(Now, CartId));
    }

    public async Task<bool> UpdateContentsAsync(CartContents contents)
    {
        // The shopper the cart already has: the shop's from an earlier report, else the one captured at checkout.
        var fromShop = State.Snapshot is not null && !State.ContactFromCapture;
        var contact = fromShop ? State.Snapshot!.Customer : State.Captured?.Customer;
        if (contact is null)
        {
            State.AwaitingContact = contents;
            State.LastActivityAt = Now;
            await Engine.SaveAsync();
            return false;
        }

        State.ContactFromCapture = !fromShop;
        State.AwaitingContact = null;
        await ApplyAsync(contents.For(contact), consent: null);
        return true;
    }

    public async Task CaptureAsync(CustomerProfile contact, ConsentRecord? consent)
    {
        var now = Now;
        var previous = State.Captured;
        State.Captured = new CapturedContact(contact, now);

        // The customer remembers the cart first, so an erase of this address finds it even if nothing else follows.
        await GrainFactory.GetGrain<ICustomerGrain>(KeyOf(contact)).ContactCapturedAsync(CartId, consent);
        if (previous is not null && KeyOf(previous.Customer) != KeyOf(contact) && SnapshotKey != KeyOf(previous.Customer))
        {
            // A corrected address: the first one typed no longer holds this cart.
            await GrainFactory.GetGrain<ICustomerGrain>(KeyOf(previous.Customer)).ForgetCartAsync(CartId);
        }

        if (State.AwaitingContact is { } contents)
        {
            State.AwaitingContact = null;
            State.ContactFromCapture = true;
            await ApplyAsync(contents.For(contact), consent: null);
        }
        else if (State.ContactFromCapture && State.Snapshot is { } snapshot && State.Status == CartStatus.Active)
        {
            await ApplyAsync(snapshot with { Customer = contact }, consent: null);
        }
        else
        {
            await Engine.SaveAsync();
        }
    }

    private async Task ApplyAsync(CartSnapshot snapshot, ConsentRecord? consent)
    {
        var now = Now;
        var previous = State.Snapshot;
        State.Snapshot = snapshot;
        if (previous is not null && KeyOf(previous.Customer) != KeyOf(snapshot.Customer)
            && (State.Captured is not { } captured || KeyOf(captured.Customer) != KeyOf(previous.Customer)))
        {
            // Unless the contact captured at checkout is still that person: then the cart still holds their details.
            await CustomerOf(previous).ForgetCartAsync(CartId);
        }

        if (State.Status == CartStatus.Purchased)
        {
            await Engine.SaveAsync();
            return;
        }

        if (snapshot.Items.IsEmpty)
        {
            State.FirstSeenAt ??= now;
            State.LastActivityAt = now;
            await StopAsync(CartStatus.Deleted, SkipReason.CartEmptied, now);

            // The customer first: should the cart's write fail, the storefront's retry tells the customer again (it is
            // idempotent), where once the cart was saved as ended a retry would no longer reach this line.
            await CustomerOf(snapshot).CartEndedAsync(CartId);
            await Engine.SaveAsync();
            return;
        }

        State.RecordActivity(CartId, now, await followUps.Flows.GetAsync(FlowNames.CartAbandonment));

        // An order from this customer with these items may have arrived before the cart did.
        if (await CustomerOf(snapshot).TrackCartAsync(CartId, snapshot.Skus, State.FirstSeenAt!.Value, consent) is { } boughtBy)
        {
            State.PurchasedOrderId = boughtBy;
            await StopAsync(CartStatus.Purchased, SkipReason.Purchased, now);
        }

        await Engine.SaveAsync();
    }

    public async Task<bool> CheckoutStartedAsync()
    {
        if (State.Snapshot is null)
        {
            return false;
        }

        if (State.Status == CartStatus.Active)
        {
            State.RecordActivity(CartId, Now, await followUps.Flows.GetAsync(FlowNames.CartAbandonment));
            await Engine.SaveAsync();
        }

        return true;
    }

    public async Task<bool> DeleteAsync()
    {
        if (State.Snapshot is not { } snapshot)
        {
            return false;
        }

        if (State.Status == CartStatus.Active)
        {
            await StopAsync(CartStatus.Deleted, SkipReason.CartDeleted, Now);
            await CustomerOf(snapshot).CartEndedAsync(CartId);
            await Engine.SaveAsync();
        }

        return true;
    }

    public async Task MarkPurchasedAsync(string? orderId)
    {
        if (State.Status == CartStatus.Purchased)
        {
            if (State.PurchasedOrderId is null && orderId is not null)
            {
                State.PurchasedOrderId = orderId;
                await Engine.SaveAsync();
            }

            return;
        }

        await StoppedByPurchaseAsync(orderId, Now);
        await Engine.SaveAsync();
    }

    public Task PurchasedElsewhereAsync(string orderId) => MarkPurchasedAsync(orderId);

    public async Task<bool> StopRemindersAsync()
    {
        if (State.Snapshot is null)
        {
            return false;
        }

        if (State.RemindersStoppedAt is null)
        {
            var now = Now;
            State.RemindersStoppedAt = now;
            await Engine.CancelAsync(_ => true, SkipReason.UnsubscribedCart, now);
            await Engine.SaveAsync();
        }

        return true;
    }

    public async Task<RestoreTarget?> RecordClickAsync(string messageId, string? sentTo = null)
    {
        if (State.Snapshot is not { } snapshot)
        {
            return null;
        }

        // A link mailed before keys were keyed names the shopper by the old key: compared in today's form.
        if (sentTo is not null && KeyOf(snapshot.Customer) != followUps.CustomerKeys.Current(sentTo))
        {
            // The storefront reused the cart's id for another shopper: neither their cart nor a click for them.
            return new RestoreTarget(null, OwnedBySomeoneElse: true);
        }

        State.RecordClick(messageId, Now);
        await Engine.SaveAsync();
        return new RestoreTarget(snapshot.RestoreUrl);
    }

    public Task<CartView?> GetViewAsync() => Task.FromResult(State.Status == CartStatus.Unknown && State.Captured is null && State.AwaitingContact is null
        ? null
        : new CartView(
            CartId,
            State.Status,
            State.Snapshot,
            State.PurchasedOrderId,
            State.LastActivityAt,
            State.Pending?.StepNumber,
            State.Pending?.DueAt,
            [.. State.Outbox.Log],
            [.. State.Clicks],
            State.Pending?.WakeAt,
            State.RemindersStoppedAt)
        {
            Captured = State.Captured,
            AwaitingContact = State.AwaitingContact,
        });

    public async Task<bool> ForgetIfRetiredAsync()
    {
        if (!State.IsRetired(Now - retention.CurrentValue.After))
        {
            return false;
        }

        if (State.Snapshot is { } snapshot)
        {
            await CustomerOf(snapshot).ForgetCartAsync(CartId);
        }

        if (State.Captured is { } captured && KeyOf(captured.Customer) != SnapshotKey)
        {
            await GrainFactory.GetGrain<ICustomerGrain>(KeyOf(captured.Customer)).ForgetCartAsync(CartId);
        }

        // The customer keeps an unsubscribe or suppression: a cart reported again later still gets no mail to them.
        await Engine.ForgetAsync(cart.ClearStateAsync);
        DeactivateOnIdle();
        LogForgotten(CartId);
        return true;
    }

    public async Task EraseAsync()
    {
        if (State.Snapshot is { } snapshot)
        {
            await CustomerOf(snapshot).ForgetCartAsync(CartId);
        }

        if (State.Captured is { } captured && KeyOf(captured.Customer) != SnapshotKey)
        {
            await GrainFactory.GetGrain<ICustomerGrain>(KeyOf(captured.Customer)).ForgetCartAsync(CartId);
        }

        await Engine.CancelAsync(_ => true, SkipReason.Erased, Now);
        await Engine.ForgetAsync(cart.ClearStateAsync);
        DeactivateOnIdle();
    }

    public Task RetimeAsync(string flow, FlowDefinition definition) => Engine.RetimeAsync(flow, definition);

    public Task SettleAsync(string messageId, int attempt, DeliveryResult result) => Engine.SettleAsync(messageId, attempt, result);

    public Task<bool> RecordMailEventAsync(string messageId, Mail.Bounces.MailEvent mailEvent) => Engine.RecordMailEventAsync(messageId, mailEvent);

    public Task ReceiveReminder(string reminderName, TickStatus status) => Engine.TickAsync();

    public Task LedgerConfirmedAsync() => Engine.LedgerConfirmedAsync();

    /// <summary>Ends the flow; a pending step is logged as skipped with the reason.</summary>
    private async Task StopAsync(CartStatus status, string reason, DateTimeOffset now)
    {
        State.Status = status;
        await Engine.CancelAsync(_ => true, reason, now);
    }

    private async Task StoppedByPurchaseAsync(string? orderId, DateTimeOffset now)
    {
        State.PurchasedOrderId = orderId;
        await StopAsync(CartStatus.Purchased, SkipReason.Purchased, now);
        LogPurchased(CartId);
    }

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
        };
    }

    Parcel IFollowUpOwner.Compose(FollowUp message, ResolvedStep step, int stepCount, CouponIssue? coupon, DateTimeOffset now) =>
        Parcel.Mail(sender, reminderMail.Compose(State.Snapshot!, message.StepNumber - 1, stepCount, step, coupon, message.MessageId, now));

    Task IFollowUpOwner.PurchasedAsync(string? orderId, DateTimeOffset now) => StoppedByPurchaseAsync(orderId, now);

    Task IFollowUpOwner.WriteStateAsync() => cart.WriteStateAsync();

    LedgerOwner IFollowUpOwner.LedgerOwner => new(LedgerOwner.Cart, CartId, SnapshotKey, State.Snapshot?.Customer.CustomerId);

    Lead? IFollowUpOwner.Lead => State.ToLead();

    [LoggerMessage(Level = LogLevel.Information, Message = "Cart {CartId}: finished longer than the retention period ago; forgotten")]
    private partial void LogForgotten(string cartId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Cart {CartId}: purchased; follow-ups cancelled")]
    private partial void LogPurchased(string cartId);
}
