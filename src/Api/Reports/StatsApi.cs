using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Orleans.Recovery.Api.Auth;
using Orleans.Recovery.Flows;
using Orleans.Recovery.Ledger;
using Orleans.Reminders;

namespace Orleans.Recovery.Api.Reports;

/// <summary>The stats of a period, per flow, step and variant.</summary>
public sealed record StatsResponse(DateOnly From, DateOnly To, AttributionModel Model, TimeSpan Window, IReadOnlyList<FlowStats> Flows)
{
    /// <summary>The last 7 days' bounce and complaint rates, all flows together, and the warnings they call for, whatever the period asked.</summary>
    public Deliverability? Deliverability { get; init; }
}

/// <summary>One day of the chart.</summary>
public sealed record DayStats(DateOnly Date, long Sent, long Clicked, long Recovered, IReadOnlyList<CurrencyAmount> Revenue);

public sealed record DailyResponse(DateOnly From, DateOnly To, string? Flow, IReadOnlyList<DayStats> Days);

/// <summary>
/// What the engine recovered, read from the ledger's daily counts (never from grains): per flow, step and variant, with
/// the holdout's lift; and per day, for the chart.
/// </summary>
public static class StatsApi
{
    public static IEndpointRouteBuilder MapStatsApi(this IEndpointRouteBuilder app)
    {
        var stats = app.MapGroup("/api/v1/stats").WithTags("Results").RequireAuthorization(ApiScopes.Operator);
        stats.MapGet("/", GetStats);
        stats.MapGet("/daily", GetDaily);
        return app;
    }

    public static async Task<Results<Ok<StatsResponse>, ValidationProblem>> GetStats(
        string? from, string? to, string? flow, StatsCountsQuery counts, IOptionsMonitor<AttributionOptions> attribution, [FromKeyedServices(ReminderTimeProviderNames.Reminders)] TimeProvider clock, CancellationToken cancellationToken)
    {
        var query = ReportQuery.Read(from, to, flow, clock.GetUtcNow());
        if (!query.IsValid)
        {
            return TypedResults.ValidationProblem(query.Errors);
        }

        var rows = await counts.CountsAsync(query.From, query.To, query.Flow, cancellationToken);
        var settings = attribution.CurrentValue;
        return TypedResults.Ok(new StatsResponse(query.From, query.To, settings.Model, settings.Window,
            StatsReport.From(rows, query.Flow is { } one ? [one] : FlowNames.All))
        {
            Deliverability = await LastSevenDaysAsync(counts, clock, cancellationToken),
        });
    }

    /// <summary>The sender's reputation over the last 7 UTC days, today included, on the engine's clock.</summary>
    public static async Task<Deliverability> LastSevenDaysAsync(StatsCountsQuery counts, TimeProvider clock, CancellationToken cancellationToken)
    {
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var from = today.AddDays(-6);
        return Deliverability.Of(await counts.CountsAsync(from, today, null, cancellationToken), from, today);
    }

    public static async Task<Results<Ok<DailyResponse>, ValidationProblem>> GetDaily(
        string? from, string? to, string? flow, DailyCountsQuery daily, [FromKeyedServices(ReminderTimeProviderNames.Reminders)] TimeProvider clock, CancellationToken cancellationToken)
    {
        var query = ReportQuery.Read(from, to, flow, clock.GetUtcNow());
        if (!query.IsValid)
        {
            return TypedResults.ValidationProblem(query.Errors);
        }

        var rows = (await daily.DailyAsync(query.From, query.To, query.Flow, cancellationToken)).ToLookup(row => row.Day, row => row.Row);
        var days = Enumerable.Range(0, query.To.DayNumber - query.From.DayNumber + 1).Select(query.From.AddDays).Select(day => new DayStats(
            day,
            rows[day].Where(row => row.Metric == LedgerMetric.Sent).Sum(row => row.Count),
            rows[day].Where(row => row.Metric == LedgerMetric.Clicked).Sum(row => row.Count),
            rows[day].Where(row => row.Metric == LedgerMetric.Recovered).Sum(row => row.Count),
            [.. rows[day].Where(row => row.Metric == LedgerMetric.Revenue && row.Amount != 0).GroupBy(row => row.Detail, StringComparer.Ordinal)
                .Select(group => new CurrencyAmount(group.Key, group.Sum(row => row.Amount))).OrderBy(money => money.Currency, StringComparer.Ordinal)]));
        return TypedResults.Ok(new DailyResponse(query.From, query.To, query.Flow, [.. days]));
    }
}
