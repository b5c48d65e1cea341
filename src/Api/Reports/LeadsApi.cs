using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Orleans.Recovery.Api.Auth;
using Orleans.Recovery.Ledger;
using Orleans.Reminders;

namespace Orleans.Recovery.Api.Reports;

public sealed record LeadsPage(IReadOnlyList<LeadView> Items, string? NextCursor);

/// <summary>
/// Abandoned carts and failed payments: open, recovered, lost or unsubscribed, newest first, a page at a time as JSON,
/// or all of them as RFC 4180 CSV streamed row by row.
/// </summary>
public static class LeadsApi
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    private static readonly string[] Types = [Lead.CartType, Lead.PaymentType];

    public static IEndpointRouteBuilder MapLeadsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/leads", GetLeads).WithTags("Results").RequireAuthorization(ApiScopes.Operator);
        return app;
    }

    public static async Task<Results<Ok<LeadsPage>, PushStreamHttpResult, ValidationProblem>> GetLeads(
        string? type, string? status, string? from, string? to, string? limit, string? cursor, string? format,
        HttpRequest request, LeadListQuery leadList, [FromKeyedServices(ReminderTimeProviderNames.Reminders)] TimeProvider clock, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var csv = format == "csv" || request.GetTypedHeaders().Accept.Any(accept => accept.MediaType.Equals("text/csv", StringComparison.OrdinalIgnoreCase));
        var (leadQuery, query) = Read(type, status, from, to, limit, cursor, csv, now);
        if (format is not null and not "csv" and not "json")
        {
            query.Fail("format", "The format must be json or csv.");
        }

        if (!query.IsValid)
        {
            return TypedResults.ValidationProblem(query.Errors);
        }

        return csv ? Csv(leadList, leadQuery, now, cancellationToken) : TypedResults.Ok(await PageAsync(leadList, leadQuery, now, cancellationToken));
    }

    /// <summary>The leads query of these fields, and what was wrong with them, field by field.</summary>
    public static (LeadQuery Leads, ReportQuery Checked) Read(
        string? type, string? status, string? from, string? to, string? limit, string? cursor, bool csv, DateTimeOffset now)
    {
        var query = ReportQuery.Read(from, to, null, now);
        var leads = new LeadQuery(
            query.From,
            query.To,
            query.OneOf("type", type, Types),
            query.OneOf("status", status, LeadStatus.All),
            Limit(query, limit, csv),
            Cursor(query, cursor));
        return (leads, query);
    }

    /// <summary>A page of leads, newest first, with the cursor of the next page when there is one.</summary>
    public static async Task<LeadsPage> PageAsync(LeadListQuery leadList, LeadQuery query, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var items = await leadList.LeadsAsync(query with { Limit = query.Limit + 1 }, now, cancellationToken).ToListAsync(cancellationToken);
        var next = items.Count > query.Limit ? CursorOf(items[query.Limit - 1]) : null;
        return new LeadsPage([.. items.Take(query.Limit)], next);
    }

    /// <summary>Every lead the query matches, as CSV streamed row by row.</summary>
    public static PushStreamHttpResult Csv(LeadListQuery leadList, LeadQuery query, DateTimeOffset now, CancellationToken cancellationToken) =>
        TypedResults.Stream(body => LeadsCsv.WriteAsync(body, leadList.LeadsAsync(query, now, cancellationToken), cancellationToken), "text/csv; charset=utf-8", "leads.csv");

    private static int Limit(ReportQuery query, string? text, bool csv)
    {
        if (text is null)
        {
            return csv ? 0 : DefaultLimit;
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit is >= 1 and <= MaxLimit)
        {
            return limit;
        }

        query.Fail("limit", $"The limit must be a whole number from 1 to {MaxLimit}.");
        return DefaultLimit;
    }

    /// <summary>A cursor is opaque to clients: the last lead's creation, type and id, base64url-encoded.</summary>
    private static string CursorOf(LeadView lead) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{lead.CreatedAt.ToUnixTimeMilliseconds()}\n{lead.Type}\n{lead.Id}"));

    private static LeadCursor? Cursor(ReportQuery query, string? text)
    {
        if (text is null)
        {
            return null;
        }

        try
        {
            if (Encoding.UTF8.GetString(Base64Url.DecodeFromChars(text)).Split('\n') is [var at, var type, var id]
                && long.TryParse(at, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var createdAt) && Types.Contains(type) && id.Length > 0)
            {
                return new LeadCursor(createdAt, type, id);
            }
        }
        catch (FormatException)
        {
        }

        query.Fail("cursor", "The cursor is not one this API gave out; use the nextCursor of the previous page.");
        return null;
    }
}
