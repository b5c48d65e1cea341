using System.Collections.Immutable;
using Orleans.Recovery.Carts;
using Orleans.Recovery.Customers;

namespace Orleans.Recovery.Orders;

/// <summary>How the order's payment stands, as the storefront reported it.</summary>
public enum PaymentStatus
{
    Paid,
    Pending,
    Failed,
}

/// <summary>An order as the storefront reported it.</summary>
[GenerateSerializer, Immutable, Alias("order-placed")]
public sealed record OrderPlaced(
    [property: Id(0)] string OrderId,
    [property: Id(1)] string? CartId,
    [property: Id(2)] CustomerProfile Customer,
    [property: Id(3)] string Currency,
    [property: Id(4)] ImmutableArray<CartLine> Items,
    [property: Id(5)] decimal Subtotal,
    [property: Id(6)] decimal Shipping,
    [property: Id(7)] decimal Tax,
    [property: Id(8)] decimal Total,
    [property: Id(9)] PaymentStatus PaymentStatus,
    [property: Id(10)] DateOnly? ExpectedShipDate = null,
    [property: Id(11)] string? CouponCode = null)
{
    public ImmutableArray<string> Skus => [.. Items.Select(line => line.Sku).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
}
