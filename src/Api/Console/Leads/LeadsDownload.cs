using Microsoft.AspNetCore.Antiforgery;
using Orleans.Recovery.Api.Console.Shared;
using Orleans.Recovery.Api.Reports;
using Orleans.Recovery.Ledger;
using Orleans.Reminders;

namespace Orleans.Recovery.Api.Console.Leads;

/// <summary>The leads page's CSV download: the same CSV as <c>GET /api/v1/leads?format=csv</c>, for the filter posted.</summary>
public static class LeadsDownload
{
    public static IEndpointRouteBuilder MapLeadsDownload(this IEndpointRouteBuilder app)
    {
        app.MapPost("/console/leads/csv", DownloadAsync).RequireAuthorization(ConsoleServices.Policy).ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> DownloadAsync(HttpContext context, IAntiforgery antiforgery, LeadListQuery leadList, Orleans.Recovery.Customers.CustomerKeys keys, [FromKeyedServices(ReminderTimeProviderNames.Reminders)] TimeProvider clock)
    {
        if (await ConsoleForms.RefuseForeignAsync(context, antiforgery, "Reload the leads page and download again.") is { } refused)
        {
            return refused;
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var filter = new LeadFilter
        {
            Type = form["Filter.Type"],
            Status = form["Filter.Status"],
            From = form["Filter.From"],
            To = form["Filter.To"],
            Email = form["Filter.Email"],
        };
        var now = clock.GetUtcNow();
        var (leads, query) = filter.Read(csv: true, now, keys);
        if (!query.IsValid)
        {
            return TypedResults.ValidationProblem(query.Errors);
        }

        return LeadsApi.Csv(leadList, leads with { After = null }, now, context.RequestAborted);
    }
}
