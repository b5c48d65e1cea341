using System.Collections.Immutable;
using Orleans.Recovery.Carts;

namespace Orleans.Recovery.Customers;

/// <summary>A shopper across carts and orders: consent, suppression, and what they bought recently.</summary>
[GenerateSerializer, Alias("customer-state")]
public sealed class CustomerState
{
    // An order may reach us a little before the cart it bought; orders this much older than a cart still count.
    public static readonly TimeSpan OutOfOrderTolerance = TimeSpan.FromHours(1);

    private const int RecentOrdersKept = 50;

    [Id(0)] public DateTimeOffset? UnsubscribedAt { get; set; }
    [Id(1)] public string? SuppressedBecause { get; set; }
    [Id(2)] public Dictionary<string, TrackedCart> Carts { get; set; } = [];
    [Id(3)] public List<TrackedOrder> RecentOrders { get; set; } = [];

    /// <summary>The recent order, if any, that bought every item of a cart first seen at <paramref name="firstSeenAt"/>.</summary>
    public string? OrderThatBought(ImmutableArray<string> skus, DateTimeOffset firstSeenAt) =>
        RecentOrders.FindLast(order => order.Covers(skus) && order.ReceivedAt >= firstSeenAt - OutOfOrderTolerance)?.OrderId;

    public void RememberOrder(TrackedOrder order)
    {
        if (RecentOrders.Exists(o => o.OrderId == order.OrderId))
        {
            return;
        }

        RecentOrders.Add(order);
        if (RecentOrders.Count > RecentOrdersKept)
        {
            RecentOrders.RemoveAt(0);
        }
    }

    public SendPermission CheckBeforeSend(ImmutableArray<string> skus, DateTimeOffset firstSeenAt)
    {
        if (OrderThatBought(skus, firstSeenAt) is { } orderId)
        {
            return new SendPermission(null, orderId);
        }

        if (UnsubscribedAt is not null)
        {
            return new SendPermission(SkipReason.Unsubscribed, null);
        }

        return SuppressedBecause is { } reason ? new SendPermission(reason, null) : SendPermission.Granted;
    }
}

/// <summary>A cart of this customer that still has follow-ups pending.</summary>
[GenerateSerializer, Immutable, Alias("tracked-cart")]
public sealed record TrackedCart([property: Id(0)] ImmutableArray<string> Skus, [property: Id(1)] DateTimeOffset FirstSeenAt);

/// <summary>An order of this customer, kept to recognise carts it already bought.</summary>
[GenerateSerializer, Immutable, Alias("tracked-order")]
public sealed record TrackedOrder(
    [property: Id(0)] string OrderId,
    [property: Id(1)] ImmutableArray<string> Skus,
    [property: Id(2)] DateTimeOffset ReceivedAt)
{
    public bool Covers(ImmutableArray<string> cartSkus) => !cartSkus.IsEmpty && cartSkus.All(sku => Skus.Contains(sku));
}
