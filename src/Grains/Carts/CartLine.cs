namespace Orleans.Recovery.Carts;

/// <summary>One line of a cart or an order: a product, how many, and its price in the cart's currency.</summary>
[GenerateSerializer, Immutable, Alias("cart-line")]
public sealed record CartLine(
    [property: Id(0)] string Sku,
    [property: Id(1)] string Name,
    [property: Id(2)] int Quantity,
    [property: Id(3)] decimal UnitPrice,
    [property: Id(4)] string? ImageUrl = null,
    [property: Id(5)] string? ProductUrl = null)
{
    public decimal LineTotal => UnitPrice * Quantity;
}
