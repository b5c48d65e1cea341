using System.Globalization;
using Orleans.Recovery.Customers;

namespace Orleans.Recovery.Mail;

/// <summary>The language of a customer's templates and the culture their money is written in.</summary>
public sealed record MailLocale(string Language, CultureInfo Culture)
{
    /// <summary>Languages every template ships in.</summary>
    public static readonly IReadOnlyList<string> Languages = ["en", "de"];

    private static readonly Dictionary<string, string> _languageOfCountry = new(StringComparer.OrdinalIgnoreCase)
    {
        ["DE"] = "de", ["AT"] = "de", ["CH"] = "de", ["LI"] = "de", ["LU"] = "de",
    };

    private static readonly Dictionary<string, string> _defaultCulture = new(StringComparer.Ordinal)
    {
        ["en"] = "en-US", ["de"] = "de-DE",
    };

    /// <summary>The customer's locale if we have it, then their country's language, then English.</summary>
    public static MailLocale For(CustomerProfile customer)
    {
        var requested = TryCulture(customer.Locale);
        var language = requested is not null && Languages.Contains(requested.TwoLetterISOLanguageName)
            ? requested.TwoLetterISOLanguageName
            : customer.Country is { } country && _languageOfCountry.TryGetValue(country, out var spoken) ? spoken : "en";

        // Money is written for the reader's region where we know it: de + AT gives de-AT, a bare "de" gives de-DE.
        var culture = requested is { IsNeutralCulture: false } && requested.TwoLetterISOLanguageName == language
            ? requested
            : TryCulture(customer.Country is { Length: 2 } c ? $"{language}-{c.ToUpperInvariant()}" : null) is { IsNeutralCulture: false } regional
                ? regional
                : CultureInfo.GetCultureInfo(_defaultCulture[language]);
        return new MailLocale(language, culture);
    }

    /// <summary>A language's default locale, for mail to the shop itself.</summary>
    public static MailLocale ForLanguage(string language) =>
        new(language, CultureInfo.GetCultureInfo(_defaultCulture.GetValueOrDefault(language, "en-US")));

    private static CultureInfo? TryCulture(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return null;
        }

        try
        {
            var culture = CultureInfo.GetCultureInfo(name.Replace('_', '-'), predefinedOnly: true);
            return culture.Name.Length == 0 ? null : culture;
        }
        catch (CultureNotFoundException)
        {
            return null;
        }
    }
}
