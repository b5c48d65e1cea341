namespace Orleans.Recovery.Orders;

/// <summary>An order and when it reached us.</summary>
[GenerateSerializer, Alias("order-state")]
public sealed class OrderState
{
    [Id(0)] public OrderPlaced? Order { get; set; }
    [Id(1)] public DateTimeOffset? ReceivedAt { get; set; }
}
