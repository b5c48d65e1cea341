namespace Orleans.Recovery.Orders;

/// <summary>The ids of an order's messages: <c>{orderId}/{flow}/{step}</c>, stable, so no message can go out twice.</summary>
public static class OrderMessages
{
    public static string Id(string orderId, string flow, string step) => $"{orderId}/{flow}/{step}";

    /// <summary>The order id a message id belongs to (order ids may themselves hold slashes).</summary>
    public static string? OrderIdOf(string messageId)
    {
        var step = messageId.LastIndexOf('/');
        var flow = step > 0 ? messageId.LastIndexOf('/', step - 1) : -1;
        return flow > 0 ? messageId[..flow] : null;
    }

    /// <summary>The step part of a message id: "delay-2", "review-request".</summary>
    public static string StepOf(string messageId) => messageId[(messageId.LastIndexOf('/') + 1)..];
}
