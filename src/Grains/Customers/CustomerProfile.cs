using System.Text;
using System.Text.Json.Serialization;

namespace Orleans.Recovery.Customers;

/// <summary>Who the shopper is, as the storefront reported it.</summary>
[GenerateSerializer, Immutable, Alias("customer-profile")]
public sealed record CustomerProfile(
    [property: Id(0)] string Email,
    [property: Id(1)] string FirstName,
    [property: Id(2)] string? LastName = null,
    [property: Id(3)] string? CustomerId = null,
    [property: Id(4)] string? Locale = null,
    [property: Id(5)] string? Country = null,
    [property: Id(6)] string? TimeZone = null,
    [property: Id(7)] bool? MarketingConsent = null,
    [property: Id(8)] string? ConsentText = null,
    [property: Id(9)] string? ConsentSource = null)
{
    /// <summary>The consent this report states, as a record made now; null when it states none.</summary>
    public ConsentRecord? ConsentAt(DateTimeOffset now, string? cartId) =>
        MarketingConsent is { } given ? new ConsentRecord(now, given, ConsentSource ?? ConsentSources.Api, given ? ConsentText : null, null, cartId) : null;

    // Records print every member; a snapshot that reaches a log line must not carry the shopper's name or address.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Email = (withheld)");
        return true;
    }
}
