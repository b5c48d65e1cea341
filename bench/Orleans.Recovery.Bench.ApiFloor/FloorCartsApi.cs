using Microsoft.AspNetCore.Http.HttpResults;
using Orleans.Recovery.Api.Auth;
using Orleans.Recovery.Api.Carts;
using Orleans.Recovery.Api.Validation;

namespace Orleans.Recovery.Bench.ApiFloor;

/// <summary>
/// <c>PUT /api/v1/carts/{cartId}</c> as the product's <see cref="CartsApi"/> maps it (the storefront's scope on the
/// group, the product's request type, its id rule and its conversion to a snapshot), storing into
/// <see cref="InMemoryCarts"/> where the product calls the cart grain.
/// </summary>
public static class FloorCartsApi
{
    public static IEndpointRouteBuilder MapFloorCartsApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/v1/carts").RequireAuthorization(ApiScopes.Storefront).MapPut("/{cartId}", PutCart);
        return app;
    }

    public static Results<NoContent, Accepted, ValidationProblem> PutCart(string cartId, CartSnapshotRequest cart, InMemoryCarts carts)
    {
        if (!Identifiers.IsValid(cartId))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["cartId"] = [$"The cartId {Identifiers.Rule}"] });
        }

        if (cart.Customer is null)
        {
            return carts.StoreContents(cartId, cart.ToContents()) ? TypedResults.NoContent() : TypedResults.Accepted((string?)null);
        }

        carts.Store(cartId, cart.ToSnapshot());
        return TypedResults.NoContent();
    }
}
