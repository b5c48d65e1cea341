using Orleans.Recovery.Mail;

namespace Orleans.Recovery.Orders;

/// <summary>What the order templates can use. Only the part for the message's step is set.</summary>
public sealed record OrderMailModel : MailModel
{
    public required string OrderId { get; init; }
    public required IReadOnlyList<OrderMailLine> Items { get; init; }
    public required string Subtotal { get; init; }
    public required string Shipping { get; init; }
    public required string Tax { get; init; }
    public required string Total { get; init; }
    public string? CouponCode { get; init; }
    public string? ExpectedShipDate { get; init; }
    public required IReadOnlyList<string> Guarantees { get; init; }
    public PaymentMailModel? Payment { get; init; }
    public ShipmentMailModel? Shipment { get; init; }
    public DelayMailModel? Delay { get; init; }
    public string? DeliveredOn { get; init; }
    public ReviewMailModel? Review { get; init; }
    public FeedbackAlertModel? Alert { get; init; }
}

public sealed record OrderMailLine(string Sku, string Name, int Quantity, string UnitPrice, string LineTotal);

/// <summary>A failed payment: the reason picks the wording (card_expired, insufficient_funds, declined, other).</summary>
public sealed record PaymentMailModel(string Reason, string RetryUrl, IReadOnlyList<string> Alternatives, int Step, int StepCount, bool IsLastStep);

public sealed record ShipmentMailModel(string Carrier, string TrackingNumber, string TrackingUrl, string? EstimatedDelivery, IReadOnlyList<OrderMailLine> Items);

/// <summary>A delay or back-order, with a signed link per option the shop offers (wait, cancel, partial, substitute).</summary>
public sealed record DelayMailModel(string Reason, string NewEstimatedShipDate, IReadOnlyList<OrderMailLine> Items, IReadOnlyList<DelayOptionLink> Options);

public sealed record DelayOptionLink(string Choice, string Url);

/// <summary>Rating links 1 to 5 and, for a customer not yet subscribed, the newsletter opt-in page.</summary>
public sealed record ReviewMailModel(IReadOnlyList<RatingLink> Ratings, string? NewsletterUrl);

public sealed record RatingLink(int Value, string Url);

/// <summary>For the shop's support team: an unhappy customer to follow up.</summary>
public sealed record FeedbackAlertModel(int Rating, string CustomerName, string CustomerEmail, string? Comment);
