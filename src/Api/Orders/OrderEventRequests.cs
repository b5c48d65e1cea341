using System.ComponentModel.DataAnnotations;
using Orleans.Recovery.Api.Carts;
using Orleans.Recovery.Api.Validation;
using Orleans.Recovery.Orders;

namespace Orleans.Recovery.Api.Orders;

/// <summary>The body of <c>POST /api/v1/orders/{orderId}/payment-failed</c>.</summary>
public sealed record PaymentFailedRequest
{
    [Required, AllowedValues("card_expired", "insufficient_funds", "declined", "other", ErrorMessage = "The reason field must be one of card_expired, insufficient_funds, declined, other.")]
    public string? Reason { get; init; }

    [Required, HttpUrl]
    public string? RetryUrl { get; init; }

    public PaymentFailureReason ToReason() => Reason switch
    {
        "card_expired" => PaymentFailureReason.CardExpired,
        "insufficient_funds" => PaymentFailureReason.InsufficientFunds,
        "declined" => PaymentFailureReason.Declined,
        _ => PaymentFailureReason.Other,
    };
}

/// <summary>The body of <c>POST /api/v1/orders/{orderId}/shipments</c>.</summary>
public sealed record ShipmentRequest : IValidatableObject
{
    [Required, StringLength(200, MinimumLength = 1)]
    public string? ShipmentId { get; init; }

    [Required, SingleLine, StringLength(100, MinimumLength = 1)]
    public string? Carrier { get; init; }

    [Required, SingleLine, StringLength(100, MinimumLength = 1)]
    public string? TrackingNumber { get; init; }

    [Required, HttpUrl]
    public string? TrackingUrl { get; init; }

    [MaxLength(500), NoNullItems]
    public List<CartItemRequest>? Items { get; init; }

    public DateOnly? EstimatedDelivery { get; init; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ShipmentId is not null && !Identifiers.IsValid(ShipmentId))
        {
            yield return new ValidationResult($"The shipmentId {Identifiers.Rule}", [nameof(ShipmentId)]);
        }
    }

    public Shipment ToShipment() => new(ShipmentId!, Carrier!, TrackingNumber!, HttpUrls.Normalize(TrackingUrl!), [.. (Items ?? []).Select(item => item.ToLine())], EstimatedDelivery);
}

/// <summary>The body of <c>POST /api/v1/orders/{orderId}/delays</c>.</summary>
public sealed record DelayRequest : IValidatableObject
{
    /// <summary>
    /// Optional; the same id reported again is the same delay. Without one, each report is a new delay. It becomes part
    /// of the notice's links, so it follows the identifier rule and holds no slash.
    /// </summary>
    [StringLength(200, MinimumLength = 1)]
    public string? DelayId { get; init; }

    [Required, SingleLine, StringLength(300, MinimumLength = 1)]
    public string? Reason { get; init; }

    [Required, MinLength(1, ErrorMessage = "The items field must hold at least one item."), MaxLength(500), NoNullItems]
    public List<CartItemRequest>? Items { get; init; }

    [Required]
    public DateOnly? NewEstimatedShipDate { get; init; }

    [Required, MinLength(1, ErrorMessage = "The options field must offer at least one of wait, cancel, partial, substitute."), MaxLength(4), NoNullItems]
    public List<string>? Options { get; init; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (DelayId is not null && !Identifiers.IsSegment(DelayId))
        {
            yield return new ValidationResult($"The delayId {Identifiers.SegmentRule}", [nameof(DelayId)]);
        }

        for (var i = 0; i < (Options?.Count ?? 0); i++)
        {
            if (!DelayOptions.TryParse(Options![i], out _))
            {
                yield return new ValidationResult($"The options[{i}] field must be one of {DelayOptions.Names}.", [$"{nameof(Options)}[{i}]"]);
            }
        }
    }

    public Delay ToDelay(string delayId) => new(
        delayId,
        Reason!,
        [.. Items!.Select(item => item.ToLine())],
        NewEstimatedShipDate!.Value,
        [.. Options!.Select(option => DelayOptions.TryParse(option, out var parsed) ? parsed : throw new ArgumentException($"'{option}' is not a delay option.")).Distinct()]);
}

/// <summary>The optional body of <c>POST /api/v1/orders/{orderId}/delivered</c>.</summary>
public sealed record DeliveredRequest
{
    public DateTimeOffset? DeliveredAt { get; init; }
}
