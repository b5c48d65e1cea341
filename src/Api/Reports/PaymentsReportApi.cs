using Microsoft.AspNetCore.Http.HttpResults;
using Orleans.Recovery.Api.Auth;
using Orleans.Recovery.Ledger;
using Orleans.Reminders;

namespace Orleans.Recovery.Api.Reports;

/// <summary>One decline reason: its failed orders, the payment reminders they got, and what came back.</summary>
/// <remarks>
/// Paid orders went through after failing, whatever brought them back; recovered ones were credited to a payment
/// reminder (paid within the attribution window after one), and their totals are the revenue.
/// </remarks>
public sealed record DeclineReasonStats(
    string Reason,
    int FailedOrders,
    int RemindersSent,
    int PaidOrders,
    int RecoveredOrders,
    IReadOnlyList<CurrencyAmount> Revenue,
    double RecoveryRate);

public sealed record IncompletePaymentsReport(DateOnly From, DateOnly To, IReadOnlyList<DeclineReasonStats> Reasons, IReadOnlyList<FailedPayment> Orders);

/// <summary>Orders whose payment failed in a period, by decline reason, and each with what became of it.</summary>
public static class PaymentsReportApi
{
    public static IEndpointRouteBuilder MapPaymentsReportApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/reports/incomplete-payments", GetIncompletePayments).WithTags("Results").RequireAuthorization(ApiScopes.Operator);
        return app;
    }

    public static async Task<Results<Ok<IncompletePaymentsReport>, ValidationProblem>> GetIncompletePayments(
        string? from, string? to, FailedPaymentsQuery failedPayments, [FromKeyedServices(ReminderTimeProviderNames.Reminders)] TimeProvider clock, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var query = ReportQuery.Read(from, to, null, now);
        if (!query.IsValid)
        {
            return TypedResults.ValidationProblem(query.Errors);
        }

        var orders = await failedPayments.FailedPaymentsAsync(query.From, query.To, now, cancellationToken);
        var reasons = orders.GroupBy(order => order.Reason, StringComparer.Ordinal).OrderBy(group => group.Key, StringComparer.Ordinal).Select(group =>
        {
            var recovered = group.Where(order => order.RecoveredBy is not null).ToList();
            return new DeclineReasonStats(
                group.Key,
                group.Count(),
                group.Sum(order => order.RemindersSent),
                group.Count(order => order.PaidAt is not null),
                recovered.Count,
                [.. recovered.GroupBy(order => order.Currency, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
                    .Select(g => new CurrencyAmount(g.Key, g.Sum(order => order.Total)))],
                (double)recovered.Count / group.Count());
        });
        return TypedResults.Ok(new IncompletePaymentsReport(query.From, query.To, [.. reasons], orders));
    }
}
