using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Orleans.Recovery.Api.Auth;
using Orleans.Recovery.Api.Validation;
using Orleans.Recovery.Customers;

namespace Orleans.Recovery.Api.Customers;

/// <summary>The body of <c>POST /api/v1/customers/lookup</c>: the address in the body, where proxies do not log it.</summary>
public sealed record CustomerLookupRequest
{
    [Required, Email, StringLength(254)]
    public string? Email { get; init; }
}

/// <summary>
/// The operator's view of one customer: unsubscribe or suppression, newsletter consent from the opt-in link, recent
/// marketing sends under the frequency cap, and the variants they were assigned.
/// </summary>
public static class CustomersApi
{
    /// <summary>When the path form was deprecated (RFC 9745), as a Unix time: 2026-11-25T00:00:00Z.</summary>
    private const long PathFormDeprecatedAt = 1795564800;

    public static IEndpointRouteBuilder MapCustomersApi(this IEndpointRouteBuilder app)
    {
        var customers = app.MapGroup("/api/v1/customers").WithTags("Customers").RequireAuthorization(ApiScopes.Operator);
        customers.MapPost("/lookup", LookUp);
        customers.MapGet("/{email}", GetCustomer);
        return app;
    }

    public static async Task<Ok<CustomerView>> LookUp(CustomerLookupRequest lookup, IGrainFactory grains) =>
        TypedResults.Ok(await ViewAsync(lookup.Email!, grains));

    /// <summary>
    /// Deprecated: the address in the path ends up in proxy and load-balancer access logs. Use
    /// <c>POST /api/v1/customers/lookup</c>; the answer says so in its Deprecation and Link headers.
    /// </summary>
    public static async Task<Results<Ok<CustomerView>, ValidationProblem>> GetCustomer(string email, IGrainFactory grains, HttpResponse response)
    {
        response.Headers["Deprecation"] = $"@{PathFormDeprecatedAt}";
        response.Headers.Link = "</api/v1/customers/lookup>; rel=\"successor-version\"";
        if (email.Length > 254 || !Orleans.Recovery.Mail.SenderOptions.IsAddress(email.Trim()))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["email"] = ["The email field is not a valid email address."] });
        }

        return TypedResults.Ok(await ViewAsync(email, grains));
    }

    /// <summary>A customer the engine has never seen has an empty view: nothing sent, nothing recorded.</summary>
    private static Task<CustomerView> ViewAsync(string email, IGrainFactory grains) =>
        grains.GetGrain<ICustomerGrain>(CustomerKey.FromEmail(email)).GetViewAsync();
}
