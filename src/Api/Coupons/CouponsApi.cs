using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Orleans.Recovery.Api.Auth;
using Orleans.Recovery.Api.Validation;
using Orleans.Recovery.Coupons;

namespace Orleans.Recovery.Api.Coupons;

/// <summary>The body of <c>POST /api/v1/coupons/{code}/redeem</c>: the order that uses the code.</summary>
public sealed record RedeemRequest : IValidatableObject
{
    [Required]
    public string? OrderId { get; init; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (OrderId is not null && !Identifiers.IsValid(OrderId))
        {
            yield return new ValidationResult($"The orderId {Identifiers.Rule}", [nameof(OrderId)]);
        }
    }
}

/// <summary>Codes the engine issued, validated and redeemed by the storefront at checkout.</summary>
public static class CouponsApi
{
    public static IEndpointRouteBuilder MapCouponsApi(this IEndpointRouteBuilder app)
    {
        var storefront = app.MapGroup("/api/v1/coupons").WithTags("Coupons").RequireAuthorization(ApiScopes.Storefront);
        storefront.MapGet("/{code}", GetCoupon);
        storefront.MapPost("/{code}/redeem", Redeem);
        return app;
    }

    /// <summary>The coupon with its status (valid, redeemed, expired); 404 for a code we never issued.</summary>
    public static async Task<Results<Ok<CouponView>, NotFound, ValidationProblem>> GetCoupon(string code, IGrainFactory grains)
    {
        if (!CouponCodes.IsWellFormed(code))
        {
            return InvalidCode();
        }

        return await grains.GetGrain<ICouponGrain>(CouponCodes.Normalize(code)).GetAsync() is { } coupon ? TypedResults.Ok(coupon) : TypedResults.NotFound();
    }

    /// <summary>200 once; the same order again gets the same 200. Another order, or an expired code, gets 409.</summary>
    public static async Task<Results<Ok<CouponView>, NotFound, ProblemHttpResult, ValidationProblem>> Redeem(string code, RedeemRequest redeem, IGrainFactory grains)
    {
        if (!CouponCodes.IsWellFormed(code))
        {
            return InvalidCode();
        }

        var result = await grains.GetGrain<ICouponGrain>(CouponCodes.Normalize(code)).RedeemAsync(redeem.OrderId!);
        return result.Outcome switch
        {
            RedeemOutcome.Redeemed => TypedResults.Ok(result.Coupon!),
            RedeemOutcome.Unknown => TypedResults.NotFound(),
            RedeemOutcome.AlreadyRedeemed => TypedResults.Problem(
                statusCode: StatusCodes.Status409Conflict,
                title: "The coupon was already redeemed.",
                detail: $"It was redeemed by another order at {result.Coupon!.RedeemedAt:u}; each code is good for one order.",
                extensions: new Dictionary<string, object?> { ["couponStatus"] = "redeemed" }),
            _ => TypedResults.Problem(
                statusCode: StatusCodes.Status409Conflict,
                title: "The coupon has expired.",
                detail: $"It was valid until {result.Coupon!.ExpiresAt:u}.",
                extensions: new Dictionary<string, object?> { ["couponStatus"] = "expired" }),
        };
    }

    private static ValidationProblem InvalidCode() =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["code"] = ["The code must be 1 to 40 letters, digits, dots or hyphens."] });
}
