using Orleans.Recovery.FollowUps;

namespace Orleans.Recovery.Orders;

/// <summary>The ids of an order's messages: <c>{orderId}/{flow}/{step}</c>, stable, so no message can go out twice.</summary>
public static class OrderMessages
{
    public static string Id(string orderId, string flow, string step) => new FollowUpId(orderId, flow, step).ToString();
}
