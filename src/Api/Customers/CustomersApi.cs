using Microsoft.AspNetCore.Http.HttpResults;
using Orleans.Recovery.Api.Auth;
using Orleans.Recovery.Customers;
using Orleans.Recovery.Mail;

namespace Orleans.Recovery.Api.Customers;

/// <summary>
/// The operator's view of one customer: unsubscribe or suppression, newsletter consent from the opt-in link, recent
/// marketing sends under the frequency cap, and the variants they were assigned.
/// </summary>
public static class CustomersApi
{
    public static IEndpointRouteBuilder MapCustomersApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/v1/customers").WithTags("Customers").RequireAuthorization(ApiScopes.Operator)
            .MapGet("/{email}", GetCustomer);
        return app;
    }

    public static async Task<Results<Ok<CustomerView>, ValidationProblem>> GetCustomer(string email, IGrainFactory grains)
    {
        if (email.Length > 254 || !SenderOptions.IsAddress(email.Trim()))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["email"] = ["The email field is not a valid email address."] });
        }

        // A customer the engine has never seen has an empty view: nothing sent, nothing recorded.
        return TypedResults.Ok(await grains.GetGrain<ICustomerGrain>(CustomerKey.FromEmail(email)).GetViewAsync());
    }
}
