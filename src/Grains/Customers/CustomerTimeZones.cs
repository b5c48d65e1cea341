using System.Collections.Frozen;

namespace Orleans.Recovery.Customers;

/// <summary>The time zone a customer lives in: their own, else their country's main zone, else the shop's.</summary>
public static class CustomerTimeZones
{
    // The zone most of a country's people live in. Countries spanning several zones get their most populous one;
    // the storefront's timeZone field is the way to be exact for them.
    private static readonly FrozenDictionary<string, string> _mainZone = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["AD"] = "Europe/Andorra", ["AE"] = "Asia/Dubai", ["AR"] = "America/Argentina/Buenos_Aires", ["AT"] = "Europe/Vienna",
        ["AU"] = "Australia/Sydney", ["BE"] = "Europe/Brussels", ["BG"] = "Europe/Sofia", ["BR"] = "America/Sao_Paulo",
        ["CA"] = "America/Toronto", ["CH"] = "Europe/Zurich", ["CL"] = "America/Santiago", ["CN"] = "Asia/Shanghai",
        ["CO"] = "America/Bogota", ["CY"] = "Asia/Nicosia", ["CZ"] = "Europe/Prague", ["DE"] = "Europe/Berlin",
        ["DK"] = "Europe/Copenhagen", ["EE"] = "Europe/Tallinn", ["EG"] = "Africa/Cairo", ["ES"] = "Europe/Madrid",
        ["FI"] = "Europe/Helsinki", ["FR"] = "Europe/Paris", ["GB"] = "Europe/London", ["GR"] = "Europe/Athens",
        ["HK"] = "Asia/Hong_Kong", ["HR"] = "Europe/Zagreb", ["HU"] = "Europe/Budapest", ["ID"] = "Asia/Jakarta",
        ["IE"] = "Europe/Dublin", ["IL"] = "Asia/Jerusalem", ["IN"] = "Asia/Kolkata", ["IS"] = "Atlantic/Reykjavik",
        ["IT"] = "Europe/Rome", ["JP"] = "Asia/Tokyo", ["KR"] = "Asia/Seoul", ["LI"] = "Europe/Vaduz",
        ["LT"] = "Europe/Vilnius", ["LU"] = "Europe/Luxembourg", ["LV"] = "Europe/Riga", ["MC"] = "Europe/Monaco",
        ["MT"] = "Europe/Malta", ["MX"] = "America/Mexico_City", ["MY"] = "Asia/Kuala_Lumpur", ["NL"] = "Europe/Amsterdam",
        ["NO"] = "Europe/Oslo", ["NZ"] = "Pacific/Auckland", ["PH"] = "Asia/Manila", ["PL"] = "Europe/Warsaw",
        ["PT"] = "Europe/Lisbon", ["RO"] = "Europe/Bucharest", ["RS"] = "Europe/Belgrade", ["RU"] = "Europe/Moscow",
        ["SA"] = "Asia/Riyadh", ["SE"] = "Europe/Stockholm", ["SG"] = "Asia/Singapore", ["SI"] = "Europe/Ljubljana",
        ["SK"] = "Europe/Bratislava", ["TH"] = "Asia/Bangkok", ["TR"] = "Europe/Istanbul", ["TW"] = "Asia/Taipei",
        ["UA"] = "Europe/Kyiv", ["US"] = "America/New_York", ["VN"] = "Asia/Ho_Chi_Minh", ["ZA"] = "Africa/Johannesburg",
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    public static TimeZoneInfo For(string? timeZone, string? country, string shopTimeZone)
    {
        if (timeZone is not null && TimeZoneInfo.TryFindSystemTimeZoneById(timeZone, out var own))
        {
            return own;
        }

        if (country is not null && _mainZone.TryGetValue(country, out var main) && TimeZoneInfo.TryFindSystemTimeZoneById(main, out var national))
        {
            return national;
        }

        return TimeZoneInfo.TryFindSystemTimeZoneById(shopTimeZone, out var shop) ? shop : TimeZoneInfo.Utc;
    }
}
