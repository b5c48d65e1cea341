using System.Collections.Immutable;

namespace Orleans.Recovery.Customers;

/// <summary>One shopper, keyed by <see cref="CustomerKey"/>: consent, suppression and purchases across carts.</summary>
public interface ICustomerGrain : IGrainWithStringKey
{
    /// <summary>Remembers a pending cart; returns the id of an order that already bought its items, if one did.</summary>
    Task<string?> TrackCartAsync(string cartId, ImmutableArray<string> skus, DateTimeOffset firstSeenAt);

    /// <summary>Forgets a cart that no longer has follow-ups pending.</summary>
    Task ForgetCartAsync(string cartId);

    /// <summary>Records an order and tells this customer's other carts whose items it holds that they were bought.</summary>
    Task OrderPlacedAsync(string orderId, string? cartId, ImmutableArray<string> skus);

    /// <summary>Decides at send time whether a recovery email for a cart holding <paramref name="skus"/> may go out.</summary>
    Task<SendPermission> CheckBeforeSendAsync(ImmutableArray<string> skus, DateTimeOffset firstSeenAt);

    /// <summary>Stops all recovery email to this customer, at once.</summary>
    Task UnsubscribeAsync();

    /// <summary>Stops all email to this address, for example because the mailbox does not exist.</summary>
    Task SuppressAsync(string reason);

    /// <summary>True once the customer has unsubscribed.</summary>
    Task<bool> IsUnsubscribedAsync();
}
