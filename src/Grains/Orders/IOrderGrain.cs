namespace Orleans.Recovery.Orders;

/// <summary>One order, keyed by the storefront's order id.</summary>
public interface IOrderGrain : IGrainWithStringKey
{
    /// <summary>
    /// Records the order and cancels the recovery of its cart and of the customer's carts holding the same items.
    /// Repeating the call is harmless; it returns false when the order was already recorded.
    /// </summary>
    Task<bool> PlaceAsync(OrderPlaced order);
}
