using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Recovery.Carts;
using Orleans.Recovery.Ledger;
using Orleans.Reminders;

namespace Orleans.Recovery.Customers;

/// <summary>
/// One shopper across carts. Calls to carts are one-way: a cart awaits its customer at send time, so the customer
/// must never await a cart, or the two could wait on each other.
/// </summary>
public sealed partial class CustomerGrain(
    [PersistentState("customer", RecoveryStorage.Name)] IPersistentState<CustomerState> customer,
    [FromKeyedServices(ReminderTimeProviderNames.Reminders)] TimeProvider clock,
    IOptionsMonitor<QuietHoursOptions> quietHours,
    IOptionsMonitor<FrequencyCapOptions> cap,
    IOptionsMonitor<ConsentOptions> consentRules,
    IOptionsMonitor<Mail.Bounces.BounceOptions> bounces,
    IOptionsMonitor<Retention.RetentionOptions> retention,
    ILedger ledger,
    ILogger<CustomerGrain> logger) : Grain, ICustomerGrain, IRemindable
{
    private readonly LedgerFeed _ledger = new(ledger, clock, logger);

    private CustomerState State => customer.State;

    private LedgerOwner Owner => new(LedgerOwner.Customer, this.GetPrimaryKeyString(), this.GetPrimaryKeyString());

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Entries a crash kept from the ledger go now.
        _ = _ledger.SendAsync(State.Journal, Owner, null);
        return Task.CompletedTask;
    }

    /// <summary>Writes the customer, then appends what the ledger has yet to hear (an unsubscribe), awaiting it.</summary>
    private Task SaveAsync() => _ledger.SaveAsync(this, State.Journal, Owner, customer.WriteStateAsync);

    public Task ReceiveReminder(string reminderName, TickStatus status) => _ledger.RetryAsync(this, State.Journal, Owner);

    public Task LedgerConfirmedAsync() => _ledger.ConfirmedAsync(this, State.Journal);

    public async Task<string?> TrackCartAsync(string cartId, ImmutableArray<string> skus, DateTimeOffset firstSeenAt, ConsentRecord? consent = null)
    {
        // The carts are a hint for cancelling them early, written with the customer's next change of facts rather
        // than on every snapshot: whatever is lost with a crash, the check at send time still finds the order. A
        // consent is a fact: it is written before the cart's report is acknowledged.
        string? boughtBy = null;
        if (State.OrderThatBought(skus, firstSeenAt) is { } orderId)
        {
            State.Carts.Remove(cartId);
            boughtBy = orderId;
        }
        else
        {
            State.Carts[cartId] = new TrackedCart(skus, firstSeenAt);
        }

        if (consent is not null && State.RecordConsent(consent))
        {
            await SaveAsync();
        }

        return boughtBy;
    }

    public async Task ContactCapturedAsync(string cartId, ConsentRecord? consent)
    {
        var changed = false;
        if (!State.Carts.ContainsKey(cartId))
        {
            // No items yet: nothing to match an order against, but an erase of this address must find the cart.
            State.Carts[cartId] = new TrackedCart([], clock.GetUtcNow());
            changed = true;
        }

        changed |= consent is not null && State.RecordConsent(consent);
        if (changed)
        {
            await SaveAsync();
        }
    }

    public async Task RecordConsentAsync(ConsentRecord consent)
    {
        if (State.RecordConsent(consent))
        {
            await SaveAsync();
        }
    }

    public async Task OrderPaidAsync(string orderId)
    {
        if (State.PaidOrderSince is null)
        {
            State.PaidOrderSince = clock.GetUtcNow();
            await SaveAsync();
        }
    }

    public Task ForgetCartAsync(string cartId)
    {
        State.Carts.Remove(cartId);
        State.FormerCarts.Remove(cartId);
        return Task.CompletedTask;
    }

    public async Task CartEndedAsync(string cartId)
    {
        // Written at once: the cart keeps the shopper's details, and nothing else would lead an erase to it.
        State.RememberFormerCart(cartId, clock.GetUtcNow(), retention.CurrentValue.After);
        await SaveAsync();
    }

    public Task<CustomerHoldings> GetHoldingsAsync() => Task.FromResult(Holdings());

    private CustomerHoldings Holdings() =>
        new([.. State.Carts.Keys.Union(State.FormerCarts.Keys)], [.. State.RecentOrders.Select(order => order.OrderId)]);

    public async Task OrderPlacedAsync(string orderId, string? cartId, ImmutableArray<string> skus, bool paid = false, ConsentRecord? consent = null)
    {
        var order = new TrackedOrder(orderId, skus, clock.GetUtcNow());
        if (paid)
        {
            State.PaidOrderSince ??= order.ReceivedAt;
        }

        if (consent is not null)
        {
            State.RecordConsent(consent);
        }

        State.RememberOrder(order);
        var bought = State.Carts
            .Where(pair => pair.Key == cartId || (order.Covers(pair.Value.Skus) && order.ReceivedAt >= pair.Value.FirstSeenAt - CustomerState.OutOfOrderTolerance))
            .Select(pair => pair.Key)
            .ToList();
        foreach (var id in bought)
        {
            State.Carts.Remove(id);
        }

        await SaveAsync();
        foreach (var id in bought.Where(id => id != cartId))
        {
            await GrainFactory.GetGrain<ICartGrain>(id).PurchasedElsewhereAsync(orderId);
        }
    }

    public async Task<SendDecision> RequestSendAsync(SendRequest request)
    {
        var decision = State.Decide(request, clock.GetUtcNow(), quietHours.CurrentValue, cap.CurrentValue, consentRules.CurrentValue.Mode, Random.Shared.Next);
        if (request.CartId is { } cartId && decision.Outcome is not (SendOutcome.Purchased or SendOutcome.Refused) && request.CartFirstSeenAt is { } firstSeenAt)
        {
            // The cart is known from its first due step on (snapshots no longer ask): an order without a cart id stops
            // it at once from then, and an erase finds it here as well as in the ledger. Written with the grant below,
            // or with the customer's next change of facts, as a hint.
            State.Carts[cartId] = new TrackedCart(request.CartSkus, firstSeenAt);
        }

        if (decision.Outcome == SendOutcome.Granted && request.Marketing)
        {
            // The place under the cap and the variant must be durable before the message goes out.
            await SaveAsync();
        }

        return decision;
    }

    public Task<string?> ConfirmSendAsync(SendRequest request) => Task.FromResult(State.Refusal(request, consentRules.CurrentValue.Mode));

    public async Task ReleaseSendAsync(string messageId)
    {
        if (State.Release(messageId))
        {
            await SaveAsync();
        }
    }

    public async Task RecordNewsletterConsentAsync(string wording)
    {
        var now = clock.GetUtcNow();
        var changed = State.RecordConsent(new ConsentRecord(now, true, ConsentSources.NewsletterPage, wording));
        if (State.NewsletterConsentAt is null)
        {
            State.NewsletterConsentAt = now;
            changed = true;
        }

        if (changed)
        {
            await SaveAsync();
        }
    }

    public Task<CustomerView> GetViewAsync() => Task.FromResult(new CustomerView(
        this.GetPrimaryKeyString(),
        State.UnsubscribedAt,
        State.SuppressedBecause,
        State.NewsletterConsentAt,
        [.. State.MarketingSends],
        State.Variants.ToImmutableDictionary(),
        [.. State.Preferences])
    {
        HasConsent = State.HasConsent,
        Consents = [.. State.Consents],
        PaidOrderSince = State.PaidOrderSince,
        Suppression = State.Suppression,
        SoftBounces = State.SoftBounces.Count(at => at > clock.GetUtcNow() - Mail.Bounces.BounceOptions.SoftWindow),
    });

    public async Task<CustomerHoldings> EraseAsync()
    {
        var holdings = Holdings();
        State.SuppressedBecause = SkipReason.Erased;
        State.SuppressedAt = clock.GetUtcNow();
        State.ComplainedAt = null;
        State.SoftBounces.Clear();
        State.MailEventIds.Clear();
        State.Carts.Clear();
        State.FormerCarts.Clear();
        State.RecentOrders.Clear();
        State.MarketingSends.Clear();
        State.Variants.Clear();
        State.NewsletterConsentAt = null;
        State.Preferences.Clear();
        State.Consents.Clear();
        State.PaidOrderSince = null;
        await SaveAsync();
        return holdings;
    }

    public Task<bool> IsUnsubscribedAsync() => Task.FromResult(State.UnsubscribedAt is not null);
}
