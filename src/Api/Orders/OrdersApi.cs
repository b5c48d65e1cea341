using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Orleans.Recovery.Api.Auth;
using Orleans.Recovery.Api.Validation;
using Orleans.Recovery.Orders;

namespace Orleans.Recovery.Api.Orders;

/// <summary>Orders from the storefront, and what happens to them after: payment, shipments, delays, delivery, cancellation.</summary>
public static class OrdersApi
{
    public static IEndpointRouteBuilder MapOrdersApi(this IEndpointRouteBuilder app)
    {
        var storefront = app.MapGroup("/api/v1/orders").WithTags("Orders").RequireAuthorization(ApiScopes.Storefront);
        storefront.MapPost("/", PlaceOrder);
        storefront.MapPost("/{orderId}/payment-failed", PaymentFailed);
        storefront.MapPost("/{orderId}/payment-succeeded", PaymentSucceeded);
        storefront.MapPost("/{orderId}/shipments", AddShipment);
        storefront.MapPost("/{orderId}/delays", AddDelay);
        storefront.MapPost("/{orderId}/delivered", Delivered);
        storefront.MapPost("/{orderId}/cancelled", Cancelled);

        var operatorView = app.MapGroup("/api/v1/orders").WithTags("Orders").RequireAuthorization(ApiScopes.Operator);
        operatorView.MapGet("/{orderId}", GetOrder);
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

    public static Task<Results<NoContent, Ok, ProblemHttpResult, ValidationProblem>> PaymentFailed(string orderId, PaymentFailedRequest payment, IGrainFactory grains) =>
        OnEvent(orderId, order => order.PaymentFailedAsync(payment.ToReason(), HttpUrls.Normalize(payment.RetryUrl!)), grains);

    public static Task<Results<NoContent, Ok, ProblemHttpResult, ValidationProblem>> PaymentSucceeded(string orderId, IGrainFactory grains) =>
        OnEvent(orderId, order => order.PaymentSucceededAsync(), grains);

    public static async Task<Results<Created, Ok, ProblemHttpResult, ValidationProblem>> AddShipment(string orderId, ShipmentRequest shipment, IGrainFactory grains)
    {
        var result = await OnEvent(orderId, order => order.AddShipmentAsync(shipment.ToShipment()), grains);
        return result.Result switch
        {
            NoContent => TypedResults.Created($"/api/v1/orders/{Uri.EscapeDataString(orderId)}"),
            Ok ok => ok,
            ProblemHttpResult problem => problem,
            ValidationProblem invalid => invalid,
            _ => throw new InvalidOperationException("Unexpected result."),
        };
    }

    public static async Task<Results<Created, Ok, ProblemHttpResult, ValidationProblem>> AddDelay(string orderId, DelayRequest delay, IGrainFactory grains)
    {
        var delayId = delay.DelayId ?? Guid.NewGuid().ToString("N")[..12];
        var result = await OnEvent(orderId, order => order.AddDelayAsync(delay.ToDelay(delayId)), grains);
        return result.Result switch
        {
            NoContent => TypedResults.Created($"/api/v1/orders/{Uri.EscapeDataString(orderId)}#delay-{delayId}"),
            Ok ok => ok,
            ProblemHttpResult problem => problem,
            ValidationProblem invalid => invalid,
            _ => throw new InvalidOperationException("Unexpected result."),
        };
    }

    public static Task<Results<NoContent, Ok, ProblemHttpResult, ValidationProblem>> Delivered(
        string orderId, [FromBody(EmptyBodyBehavior = Microsoft.AspNetCore.Mvc.ModelBinding.EmptyBodyBehavior.Allow)] DeliveredRequest? delivered, IGrainFactory grains) =>
        OnEvent(orderId, order => order.DeliveredAsync(delivered?.DeliveredAt), grains);

    public static Task<Results<NoContent, Ok, ProblemHttpResult, ValidationProblem>> Cancelled(string orderId, IGrainFactory grains) =>
        OnEvent(orderId, order => order.CancelAsync(), grains);

    public static async Task<Results<Ok<OrderView>, NotFound, ValidationProblem>> GetOrder(string orderId, IGrainFactory grains)
    {
        if (!Identifiers.IsValid(orderId))
        {
            return InvalidOrderId();
        }

        return await grains.GetGrain<IOrderGrain>(orderId).GetViewAsync() is { } view ? TypedResults.Ok(view) : TypedResults.NotFound();
    }

    /// <summary>204 when recorded, 200 when it repeats what we already had, 404 for an unknown order, 409 for a cancelled one.</summary>
    private static async Task<Results<NoContent, Ok, ProblemHttpResult, ValidationProblem>> OnEvent(string orderId, Func<IOrderGrain, Task<OrderEventOutcome>> apply, IGrainFactory grains)
    {
        if (!Identifiers.IsValid(orderId))
        {
            return InvalidOrderId();
        }

        return await apply(grains.GetGrain<IOrderGrain>(orderId)) switch
        {
            OrderEventOutcome.Recorded => TypedResults.NoContent(),
            OrderEventOutcome.Repeated => TypedResults.Ok(),
            OrderEventOutcome.UnknownOrder => TypedResults.Problem(
                statusCode: StatusCodes.Status404NotFound,
                title: "No such order.",
                detail: $"No order '{orderId}' was reported; POST it to /api/v1/orders first."),
            _ => TypedResults.Problem(
                statusCode: StatusCodes.Status409Conflict,
                title: "The order was cancelled.",
                detail: "Nothing is sent for a cancelled order any more; the event is kept in its log with the reason."),
        };
    }

    private static ValidationProblem InvalidOrderId() =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["orderId"] = [$"The orderId {Identifiers.Rule}"] });
}
