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

    /// <summary>Writes claims only the customer holds so far, so whichever activation takes over settles them (<see cref="FollowUpEngine.DeactivatingAsync"/>).</summary>
    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) =>
        _engine?.DeactivatingAsync() ?? Task.CompletedTask;

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

    private async Task ApplyAsync(CartSnapshot snapshot, ConsentRecord? consent)
    {
        var now = Now;
        var previous = State.Snapshot;
        State.Snapshot = snapshot;
        var otherShopper = previous is not null && KeyOf(previous.Customer) != KeyOf(snapshot.Customer);
        if (previous is null || otherShopper)
        {
            State.ShopperSince = now;
        }
        if (otherShopper
            && (State.Captured is not { } captured || KeyOf(captured.Customer) != KeyOf(previous!.Customer)))
        {
            // Unless the contact captured at checkout is still that person: then the cart still holds their details.
            await CustomerOf(previous!).ForgetCartAsync(CartId);
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

        // The customer is not asked on every snapshot whether an order already bought these items: that cost a read
        // of a customer grain per new cart (BENCHMARKS.md, issue 28). It is asked when a step falls due, before
        // anything goes out (no mail after a purchase either way), and learns of the cart then. A snapshot that brings
        // a consent the customer was not told yet is a fact, written before the report is acknowledged, and a cart
        // that changes hands must be found by an export or erase of its new shopper though the ledger files it under
        // the first: those snapshots ask, and a cart an order already bought stops at once.
        var told = consent is null ? State.ConsentTold : $"{KeyOf(snapshot.Customer)}|{consent.Given}|{consent.Source}|{consent.Text}";
        if (told != State.ConsentTold || otherShopper)
        {
            if (await CustomerOf(snapshot).TrackCartAsync(CartId, snapshot.Skus, State.FirstSeenAt!.Value, consent) is { } boughtBy)
            {
                State.PurchasedOrderId = boughtBy;
                await StopAsync(CartStatus.Purchased, SkipReason.Purchased, now);
            }

            State.ConsentTold = told;
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Cart {CartId}: purchased; follow-ups cancelled")]
    private partial void LogPurchased(string cartId);
}
