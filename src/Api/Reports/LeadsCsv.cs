using System.Globalization;
using CsvHelper;
using Orleans.Recovery.Ledger;

namespace Orleans.Recovery.Api.Reports;

/// <summary>The leads list as a CSV file (CsvHelper's RFC 4180 writer).</summary>
public static class LeadsCsv
{
    /// <summary>
    /// The leads as RFC 4180 CSV, written as they are read, so memory stays flat whatever the count. A value that a
    /// spreadsheet would run as a formula (=, +, -, @ first) gets a leading apostrophe: names come from shoppers.
    /// </summary>
    public static async Task WriteAsync(Stream body, IAsyncEnumerable<LeadView> leads, CancellationToken cancellationToken)
    {
        await using var csv = CsvWriter.Create(body, CsvWriterOptions.Default with { Injection = CsvInjection.Escape }, leaveOpen: true);
        csv.WriteHeader(Columns);
        await foreach (var lead in leads.WithCancellation(cancellationToken))
        {
            await csv.WriteRecordAsync(Fields(lead), cancellationToken);
        }

        await csv.FlushAsync(cancellationToken);
    }

    private static readonly string[] Columns =
    [
        "type", "id", "status", "email", "firstName", "lastName", "locale", "country", "items", "total", "currency",
        "createdAt", "lastActivityAt", "stepsSent", "couponCode", "recoveredOrderId", "declineReason",
    ];

    /// <summary>A lead's cells, in the JSON's names; the items as "2 x Name (SKU) at 18.90", a line each within one cell.</summary>
    private static string?[] Fields(LeadView lead) =>
    [
        lead.Type, lead.Id, lead.Status, lead.Email, lead.FirstName, lead.LastName, lead.Locale, lead.Country,
        string.Join("\n", lead.Items.Select(line => string.Create(CultureInfo.InvariantCulture, $"{line.Quantity} x {line.Name} ({line.Sku}) at {line.UnitPrice}"))),
        lead.Total.ToString(CultureInfo.InvariantCulture), lead.Currency, Time(lead.CreatedAt), Time(lead.LastActivityAt),
        lead.StepsSent.ToString(CultureInfo.InvariantCulture), lead.CouponCode, lead.RecoveredOrderId, lead.DeclineReason,
    ];

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
