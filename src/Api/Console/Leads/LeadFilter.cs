using Orleans.Recovery.Api.Reports;
using Orleans.Recovery.Customers;
using Orleans.Recovery.Ledger;

namespace Orleans.Recovery.Api.Console.Leads;

/// <summary>
/// The leads page's filter. It is posted, never put in the address, because it may hold a shopper's email address;
/// the address is looked up by its customer key, as the ledger stores it.
/// </summary>
public sealed class LeadFilter
{
    public string? Type { get; set; }

    public string? Status { get; set; }

    public string? From { get; set; }

    public string? To { get; set; }

    public string? Email { get; set; }

    public string? Cursor { get; set; }

    public string? PerPage { get; set; } = "25";

    public (LeadQuery Leads, ReportQuery Checked) Read(bool csv, DateTimeOffset now, CustomerKeys keys)
    {
        var (leads, query) = LeadsApi.Read(Blank(Type), Blank(Status), Blank(From), Blank(To), csv ? null : Blank(PerPage) ?? "25", Blank(Cursor), csv, now);
        if (Blank(Email) is { } email)
        {
            if (Customers.CustomerForm.Check(email) is { } error)
            {
                query.Fail("email", error);
            }
            else
            {
                leads = leads with { CustomerKey = keys.Of(email) };
            }
        }

        return (leads, query);
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
