using System.Text.Json;
using Microsoft.AspNetCore.Antiforgery;
using Orleans.Recovery.Api.Console.Shared;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Orleans.Recovery.Api.Customers;
using Orleans.Recovery.Ledger;
using Orleans.Reminders;

namespace Orleans.Recovery.Api.Console.Customers;

/// <summary>The customer's export as a JSON file, the same document as <c>POST /api/v1/customers/export</c>.</summary>
public static class CustomerDownload
{
    public static IEndpointRouteBuilder MapCustomerDownload(this IEndpointRouteBuilder app)
    {
        app.MapPost("/console/customers/export", DownloadAsync).RequireAuthorization(ConsoleServices.Policy).ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> DownloadAsync(
        HttpContext context, IAntiforgery antiforgery, IGrainFactory grains, CustomerLedgerQuery customerLedger, PickupCopies pickup, Orleans.Recovery.Customers.CustomerKeys keys, [FromKeyedServices(ReminderTimeProviderNames.Reminders)] TimeProvider clock, IOptions<JsonOptions> json)
    {
        if (await ConsoleForms.RefuseForeignAsync(context, antiforgery, "Reload the page and download again.") is { } refused)
        {
            return refused;
        }

        var email = (await context.Request.ReadFormAsync(context.RequestAborted))["Customer.Email"].ToString().Trim();
        if (CustomerForm.Check(email) is { } error)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["email"] = [error] });
        }

        var export = (await CustomersApi.Export(new CustomerLookupRequest { Email = email }, grains, customerLedger, pickup, keys, clock, context.RequestAborted)).Value!;
        var document = JsonSerializer.SerializeToUtf8Bytes(export, json.Value.SerializerOptions);
        return TypedResults.File(document, "application/json", $"customer-{export.CustomerKey[..12]}.json");
    }
}
