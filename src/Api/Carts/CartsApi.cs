using Microsoft.AspNetCore.Http.HttpResults;
using Orleans.Recovery.Api.Auth;
using Orleans.Recovery.Api.Validation;
using Orleans.Recovery.Carts;

namespace Orleans.Recovery.Api.Carts;

/// <summary>Carts: the storefront reports them; the operator reads them with their message log.</summary>
public static class CartsApi
{
    public static IEndpointRouteBuilder MapCartsApi(this IEndpointRouteBuilder app)
    {
        var storefront = app.MapGroup("/api/v1/carts").WithTags("Carts").RequireAuthorization(ApiScopes.Storefront);
        storefront.MapPut("/{cartId}", PutCart);
        storefront.MapPost("/{cartId}/checkout-started", CheckoutStarted);
        storefront.MapDelete("/{cartId}", DeleteCart);

        var operatorView = app.MapGroup("/api/v1/carts").WithTags("Carts").RequireAuthorization(ApiScopes.Operator);
        operatorView.MapGet("/{cartId}", GetCart);
        return app;
    }

    /// <summary>
    /// 204 when stored. Without <c>customer</c>, the contact captured at checkout is used; 202 when none has been captured
    /// yet: the items are stored and wait for it.
    /// </summary>
    public static async Task<Results<NoContent, Accepted, ValidationProblem>> PutCart(string cartId, CartSnapshotRequest cart, IGrainFactory grains)
    {
        if (!Identifiers.IsValid(cartId))
        {
            return InvalidCartId();
        }

        var grain = grains.GetGrain<ICartGrain>(cartId);
        if (cart.Customer is null)
        {
            return await grain.UpdateContentsAsync(cart.ToContents()) ? TypedResults.NoContent() : TypedResults.Accepted((string?)null);
        }

        await grain.UpdateAsync(cart.ToSnapshot());
        return TypedResults.NoContent();
    }

    public static async Task<Results<NoContent, NotFound, ValidationProblem>> CheckoutStarted(string cartId, IGrainFactory grains)
    {
        if (!Identifiers.IsValid(cartId))
        {
            return InvalidCartId();
        }

        return await grains.GetGrain<ICartGrain>(cartId).CheckoutStartedAsync() ? TypedResults.NoContent() : TypedResults.NotFound();
    }

    public static async Task<Results<NoContent, NotFound, ValidationProblem>> DeleteCart(string cartId, IGrainFactory grains)
    {
        if (!Identifiers.IsValid(cartId))
        {
            return InvalidCartId();
        }

        return await grains.GetGrain<ICartGrain>(cartId).DeleteAsync() ? TypedResults.NoContent() : TypedResults.NotFound();
    }

    public static async Task<Results<Ok<CartView>, NotFound, ValidationProblem>> GetCart(string cartId, IGrainFactory grains)
    {
        if (!Identifiers.IsValid(cartId))
        {
            return InvalidCartId();
        }

        return await grains.GetGrain<ICartGrain>(cartId).GetViewAsync() is { } view ? TypedResults.Ok(view) : TypedResults.NotFound();
    }

    private static ValidationProblem InvalidCartId() =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["cartId"] = [$"The cartId {Identifiers.Rule}"] });
}
