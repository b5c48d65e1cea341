namespace Orleans.Recovery.Customers;

/// <summary>The customer's answer at send time: go ahead, or why not.</summary>
[GenerateSerializer, Immutable, Alias("send-permission")]
public sealed record SendPermission(
    [property: Id(0)] string? RefusedBecause,
    [property: Id(1)] string? PurchasedOrderId)
{
    public static readonly SendPermission Granted = new(null, null);
}
