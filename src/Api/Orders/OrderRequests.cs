using System.ComponentModel.DataAnnotations;
using Orleans.Recovery.Api.Carts;
using Orleans.Recovery.Api.Validation;
using Orleans.Recovery.Orders;

namespace Orleans.Recovery.Api.Orders;

/// <summary>The body of <c>POST /api/v1/orders</c>.</summary>
public sealed record OrderRequest : IValidatableObject
{
    [Required, SingleLine, StringLength(200, MinimumLength = 1)]
    public string? OrderId { get; init; }

    [SingleLine, StringLength(200)]
    public string? CartId { get; init; }

    [Required]
    public CustomerRequest? Customer { get; init; }

    [Required, Currency]
    public string? Currency { get; init; }

    [Required, MinLength(1, ErrorMessage = "The items field must hold at least one item."), MaxLength(500), NoNullItems]
    public List<CartItemRequest>? Items { get; init; }

    [Range(typeof(decimal), "0", "1000000000000")]
    public decimal Subtotal { get; init; }

    [Range(typeof(decimal), "0", "1000000000000")]
    public decimal Shipping { get; init; }

    [Range(typeof(decimal), "0", "1000000000000")]
    public decimal Tax { get; init; }

    [Range(typeof(decimal), "0", "1000000000000")]
    public decimal Total { get; init; }

    [Required]
    public PaymentStatus? PaymentStatus { get; init; }

    public DateOnly? ExpectedShipDate { get; init; }

    [SingleLine, StringLength(100)]
    public string? CouponCode { get; init; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (OrderId is not null && !Identifiers.IsValid(OrderId))
        {
            yield return new ValidationResult($"The orderId {Identifiers.Rule}", [nameof(OrderId)]);
        }

        if (CartId is not null && !Identifiers.IsValid(CartId))
        {
            yield return new ValidationResult($"The cartId {Identifiers.Rule}", [nameof(CartId)]);
        }
    }

    public OrderPlaced ToOrder() => new(
        OrderId!, CartId, Customer!.ToProfile(), Currency!, [.. Items!.Select(item => item.ToLine())],
        Subtotal, Shipping, Tax, Total, PaymentStatus!.Value, ExpectedShipDate, CouponCode);
}
