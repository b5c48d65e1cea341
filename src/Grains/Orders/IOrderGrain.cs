using Orleans.Recovery.Flows;
using Orleans.Recovery.FollowUps;

namespace Orleans.Recovery.Orders;

/// <summary>One order, keyed by the storefront's order id: its payment and post-purchase flows.</summary>
public interface IOrderGrain : IFollowUpGrain, Retention.IRetainedGrain, Retention.IErasableGrain
{
    /// <summary>
    /// Records the order and cancels the recovery of its cart and of the customer's carts holding the same items.
    /// A paid order gets its confirmation at once. Repeating the call is harmless; it returns false when the order
    /// was already recorded.
    /// </summary>
    Task<bool> PlaceAsync(OrderPlaced order);

    /// <summary>Starts the incomplete-payment sequence, or updates the reason and retry link of its unsent steps.</summary>
    Task<OrderEventOutcome> PaymentFailedAsync(PaymentFailureReason reason, string retryUrl);

    /// <summary>Stops the incomplete-payment sequence; the confirmation follows if it was not sent yet.</summary>
    Task<OrderEventOutcome> PaymentSucceededAsync();

    /// <summary>Sends a shipment notice, once per shipment id.</summary>
    Task<OrderEventOutcome> AddShipmentAsync(Shipment shipment);

    /// <summary>Sends a delay notice with signed links for the options offered, once per delay id.</summary>
    Task<OrderEventOutcome> AddDelayAsync(Delay delay);

    /// <summary>Sends the delivered notice and schedules the review request.</summary>
    Task<OrderEventOutcome> DeliveredAsync(DateTimeOffset? deliveredAt);

    /// <summary>Stops every message still owed to the customer.</summary>
    Task<OrderEventOutcome> CancelAsync();

    /// <summary>A delay notice with the options it offered and the shopper's answer so far; null when unknown.</summary>
    Task<DelayRecord?> GetDelayAsync(string delayId);

    /// <summary>
    /// Records the shopper's answer to a delay notice, replacing an earlier one; false when the notice or the option
    /// is unknown.
    /// </summary>
    Task<bool> RecordDelayChoiceAsync(string delayId, DelayOption choice);

    /// <summary>
    /// Records a rating from the review request, replacing an earlier one. The first low rating raises an alert; later
    /// ones do not raise another. False for an unknown order.
    /// </summary>
    Task<bool> RecordRatingAsync(int rating);

    /// <summary>The operator's view, or null when the order is unknown.</summary>
    Task<OrderView?> GetViewAsync();
}
