using Microsoft.AspNetCore.Http.HttpResults;
using Orleans.Recovery.Api.Auth;
using Orleans.Recovery.Orders;

namespace Orleans.Recovery.Api.Orders;

/// <summary>Orders from the storefront. An order cancels the recovery of the cart it bought.</summary>
public static class OrdersApi
{
    public static IEndpointRouteBuilder MapOrdersApi(this IEndpointRouteBuilder app)
    {
        var storefront = app.MapGroup("/api/v1/orders").WithTags("Orders").RequireAuthorization(ApiScopes.Storefront);
        storefront.MapPost("/", PlaceOrder);
        return app;
    }

    /// <summary>201 the first time, 200 when the same order id is reported again.</summary>
    public static async Task<Results<Created, Ok>> PlaceOrder(OrderRequest order, IGrainFactory grains)
    {
        var placed = order.ToOrder();
        return await grains.GetGrain<IOrderGrain>(placed.OrderId).PlaceAsync(placed)
            ? TypedResults.Created($"/api/v1/orders/{Uri.EscapeDataString(placed.OrderId)}")
            : TypedResults.Ok();
    }
}
