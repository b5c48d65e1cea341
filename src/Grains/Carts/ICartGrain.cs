using Orleans.Concurrency;
using Orleans.Recovery.Flows;
using Orleans.Recovery.FollowUps;

namespace Orleans.Recovery.Carts;

/// <summary>One shopper's cart and its abandoned-cart follow-ups. Keyed by the storefront's cart id.</summary>
public interface ICartGrain : IFollowUpGrain, Retention.IRetainedGrain, Retention.IErasableGrain
{
    /// <summary>Replaces the cart with the storefront's snapshot and times the next follow-up from now.</summary>
    Task UpdateAsync(CartSnapshot snapshot);

    /// <summary>
    /// The shop's report of the items without a contact. With a contact captured at checkout, it is the cart's snapshot
    /// from now on and true is returned; without one, the items wait for the contact and false is returned.
    /// </summary>
    Task<bool> UpdateContentsAsync(CartContents contents);

    /// <summary>
    /// The shopper's contact (and any consent given with it) as the capture script reported it at checkout. It becomes the
    /// cart's shopper unless the shop reported one itself, which wins. Items still come only from the shop.
    /// </summary>
    Task CaptureAsync(Customers.CustomerProfile contact, Customers.ConsentRecord? consent);

    /// <summary>Counts reaching checkout as activity; false when the storefront never reported this cart.</summary>
    Task<bool> CheckoutStartedAsync();

    /// <summary>Stops the follow-ups because the cart was emptied or discarded; false when the cart is unknown.</summary>
    Task<bool> DeleteAsync();

    /// <summary>
    /// Stops the follow-ups for good: an order bought this cart. Works before the cart itself arrives. Without an order
    /// id (a checkout reported completed before its order), the id of the order that names the cart later is kept.
    /// </summary>
    Task MarkPurchasedAsync(string? orderId);

    /// <summary>Same as <see cref="MarkPurchasedAsync"/>, sent one-way by the customer grain when another order held these items.</summary>
    [OneWay]
    Task PurchasedElsewhereAsync(string orderId);

    /// <summary>
    /// No more reminders about this cart, as its shopper asked on the unsubscribe page: the pending step is skipped
    /// and later activity plans none. A purchase still counts. False for a cart never reported.
    /// </summary>
    Task<bool> StopRemindersAsync();

    /// <summary>
    /// Records a click on a message's recovery link and returns the restore URL; null for an unknown cart. A link that
    /// names the customer it was sent to opens the cart only while it is still theirs: for a cart the storefront has
    /// since given to someone else, it records nothing and says so.
    /// </summary>
    Task<RestoreTarget?> RecordClickAsync(string messageId, string? sentTo = null);

    /// <summary>The operator's view of the cart, or null when nothing is known of it.</summary>
    Task<CartView?> GetViewAsync();
}

/// <summary>Where a restore link leads: the cart's restore URL, or nowhere of the cart's when it belongs to someone else now.</summary>
[GenerateSerializer, Immutable, Alias("restore-target")]
public sealed record RestoreTarget([property: Id(0)] string? RestoreUrl, [property: Id(1)] bool OwnedBySomeoneElse = false);
