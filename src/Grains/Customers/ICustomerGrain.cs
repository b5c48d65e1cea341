using System.Collections.Immutable;
using Orleans.Concurrency;

namespace Orleans.Recovery.Customers;

/// <summary>One shopper, keyed by <see cref="CustomerKeys"/>: consent, suppression and purchases across carts.</summary>
public interface ICustomerGrain : Ledger.ILedgerConfirmedGrain
{
    /// <summary>
    /// Remembers a pending cart, so an order of its items cancels it at once; returns the id of an order that already
    /// bought them, if one did. The memory is written with the customer's next change of facts, not on every snapshot;
    /// a consent the cart's report stated is kept durably when it is news.
    /// </summary>
    Task<string?> TrackCartAsync(string cartId, ImmutableArray<string> skus, DateTimeOffset firstSeenAt, ConsentRecord? consent = null);

    /// <summary>
    /// The shopper's contact was captured at checkout, before the cart has items: the cart is remembered (so an erase finds
    /// it) and the consent stated with it kept.
    /// </summary>
    Task ContactCapturedAsync(string cartId, ConsentRecord? consent);

    /// <summary>A cart no longer holds this customer's details (cleared, or given another address): it is forgotten.</summary>
    Task ForgetCartAsync(string cartId);

    /// <summary>
    /// A cart ended without a purchase (first reported empty, emptied or deleted): no order is matched against it any
    /// more, but it is kept among the customer's former carts, since it still holds their details for an erase or an
    /// export to reach.
    /// </summary>
    Task CartEndedAsync(string cartId);

    /// <summary>The carts, pending and former, and the recent orders this customer grain knows of.</summary>
    [ReadOnly]
    Task<CustomerHoldings> GetHoldingsAsync();

    /// <summary>
    /// Records an order (paid or not, and the consent its report stated) and tells this customer's other carts whose
    /// items it holds that they were bought.
    /// </summary>
    Task OrderPlacedAsync(string orderId, string? cartId, ImmutableArray<string> skus, bool paid = false, ConsentRecord? consent = null);

    /// <summary>An order of this customer was paid: they are an existing customer from now on.</summary>
    Task OrderPaidAsync(string orderId);

    /// <summary>Keeps a consent given or taken back, as <see cref="CustomerState.RecordConsent"/> decides.</summary>
    Task RecordConsentAsync(ConsentRecord consent);

    /// <summary>Decides at send time whether a message may go out now, later, or never; a granted marketing send is counted under the cap.</summary>
    Task<SendDecision> RequestSendAsync(SendRequest request);

    /// <summary>Asked right before a granted message is handed to the relay: a reason it may no longer go out, or null.</summary>
    [ReadOnly]
    Task<string?> ConfirmSendAsync(SendRequest request);

    /// <summary>Gives back the place under the cap of a message that ended without delivery.</summary>
    Task ReleaseSendAsync(string messageId);

    /// <summary>Records the newsletter opt-in, which only an explicit click on the opt-in page may do, with the page's wording.</summary>
    Task RecordNewsletterConsentAsync(string wording);

    /// <summary>The operator's view: consent, suppression, recent marketing sends and variants.</summary>
    Task<CustomerView> GetViewAsync();

    /// <summary>Stops all recovery email to this customer, at once, as a one-click unsubscribe does.</summary>
    Task UnsubscribeAsync();

    /// <summary>
    /// Keeps a choice from the unsubscribe page, with its reason; one for all marketing stops all recovery email at once.
    /// A choice for one cart only is recorded here: the cart itself stops its reminders.
    /// </summary>
    Task RecordPreferenceAsync(PreferenceChoice choice);

    /// <summary>Stops all email to this address, for example because the mailbox does not exist.</summary>
    Task SuppressAsync(string reason);

    /// <summary>
    /// Applies a bounce or complaint reported for this address, as <see cref="CustomerState.RecordMailEvent"/> decides.
    /// False for an erased customer, for whom nothing is recorded anywhere.
    /// </summary>
    Task<bool> RecordMailEventAsync(Mail.Bounces.MailEvent mailEvent);

    /// <summary>
    /// Forgets what the customer grain holds (carts, orders, sends, variants, consent) and keeps only that the address,
    /// whose hash is this grain's key, is erased: no mail goes to it again. Returns the carts and orders it knew of, for
    /// the erase to reach.
    /// </summary>
    Task<CustomerHoldings> EraseAsync();

    /// <summary>True once the customer has unsubscribed.</summary>
    Task<bool> IsUnsubscribedAsync();
}

/// <summary>The carts (pending and former) and the recent orders a customer grain knew of.</summary>
[GenerateSerializer, Immutable, Alias("customer-holdings")]
public sealed record CustomerHoldings([property: Id(0)] ImmutableArray<string> CartIds, [property: Id(1)] ImmutableArray<string> OrderIds)
{
    /// <summary>The carts and orders of both.</summary>
    public CustomerHoldings With(CustomerHoldings other) => new([.. CartIds.Union(other.CartIds)], [.. OrderIds.Union(other.OrderIds)]);
}
