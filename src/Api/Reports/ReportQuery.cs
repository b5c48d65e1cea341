using System.Globalization;
using Orleans.Recovery.Flows;
using Orleans.Reminders;
using Orleans.Recovery.Ledger;

namespace Orleans.Recovery.Api.Reports;

/// <summary>
/// The query of a report, read field by field so that a bad one is named in the 400: a period of UTC days (ISO 8601
/// dates, both included, the last 30 days by default, at most 366), and a flow.
/// </summary>
public sealed class ReportQuery
{
    public const int MaxDays = 366;

    private readonly Dictionary<string, string[]> _errors = [];

    private ReportQuery(DateOnly today)
    {
        Today = today;
    }

    public DateOnly Today { get; }

    public DateOnly From { get; private set; }

    public DateOnly To { get; private set; }

    public string? Flow { get; private set; }

    public bool IsValid => _errors.Count == 0;

    public IDictionary<string, string[]> Errors => _errors;

    /// <summary>The period from <paramref name="from"/> to <paramref name="to"/>, and the flow when one is named.</summary>
    public static ReportQuery Read(string? from, string? to, string? flow, DateTimeOffset now)
    {
        var query = new ReportQuery(DateOnly.FromDateTime(now.UtcDateTime));
        query.To = query.Date("to", to) ?? query.Today;
        query.From = query.Date("from", from) ?? query.To.AddDays(-29);
        if (query.IsValid && query.From > query.To)
        {
            query.Fail("from", $"The from date ({query.From:yyyy-MM-dd}) is after the to date ({query.To:yyyy-MM-dd}).");
        }
        else if (query.IsValid && query.To.DayNumber - query.From.DayNumber >= MaxDays)
        {
            query.Fail("to", $"A period is at most {MaxDays} days.");
        }

        if (flow is not null)
        {
            query.Flow = FlowNames.Parse(flow);
            if (query.Flow is null)
            {
                query.Fail("flow", $"Unknown flow '{flow}'; it must be one of: {string.Join(", ", FlowNames.All)}.");
            }
        }

        return query;
    }

    /// <summary>The value of <paramref name="field"/>, which must be one of <paramref name="allowed"/>, or null when absent.</summary>
    public string? OneOf(string field, string? value, IReadOnlyCollection<string> allowed)
    {
        if (value is null || allowed.Contains(value))
        {
            return value;
        }

        Fail(field, $"The {field} must be one of: {string.Join(", ", allowed)}.");
        return null;
    }

    public void Fail(string field, string message) => _errors[field] = [message];

    private DateOnly? Date(string field, string? text)
    {
        if (text is null)
        {
            return null;
        }

        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) && date.Year is >= 2000 and <= 9998)
        {
            return date;
        }

        Fail(field, $"The {field} date must be an ISO 8601 date, such as {Today:yyyy-MM-dd}.");
        return null;
    }
}
