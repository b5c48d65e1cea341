using System.Collections.Immutable;
using Orleans.Recovery.Customers;

namespace Orleans.Recovery.Carts;

/// <summary>The whole cart as the storefront last reported it; each snapshot replaces the one before.</summary>
[GenerateSerializer, Immutable, Alias("cart-snapshot")]
public sealed record CartSnapshot(
    [property: Id(0)] CustomerProfile Customer,
    [property: Id(1)] string Currency,
    [property: Id(2)] ImmutableArray<CartLine> Items,
    [property: Id(3)] decimal? ShippingCost,
    [property: Id(4)] string RestoreUrl)
{
    public decimal Subtotal => Items.Sum(line => line.LineTotal);

    public decimal Total => Subtotal + (ShippingCost ?? 0m);

    /// <summary>The distinct products in the cart, which is what "the same items" means for a purchase elsewhere.</summary>
    public ImmutableArray<string> Skus => [.. Items.Select(line => line.Sku).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
}

/// <summary>
/// A cart without its shopper: what the shop's server reports when the capture script has the contact (a
/// <c>PUT</c> without <c>customer</c>). Joined with the captured contact, it is a <see cref="CartSnapshot"/>.
/// </summary>
[GenerateSerializer, Immutable, Alias("cart-contents")]
public sealed record CartContents(
    [property: Id(0)] string Currency,
    [property: Id(1)] ImmutableArray<CartLine> Items,
    [property: Id(2)] decimal? ShippingCost,
    [property: Id(3)] string RestoreUrl)
{
    public CartSnapshot For(CustomerProfile customer) => new(customer, Currency, Items, ShippingCost, RestoreUrl);
}
