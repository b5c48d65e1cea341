using System.Collections.Frozen;
using System.Globalization;

namespace Orleans.Recovery.Money;

/// <summary>ISO 4217 currencies as the platform's culture data knows them, and money formatted for a reader.</summary>
public static class Currencies
{
    // Every specific culture's region names its currency; that set is what we can format correctly.
    private static readonly FrozenDictionary<string, CultureInfo[]> _culturesByCurrency = CultureInfo
        .GetCultures(CultureTypes.SpecificCultures)
        .Select(culture => (culture, code: TryGetRegionCurrency(culture)))
        .Where(pair => pair.code is not null)
        .GroupBy(pair => pair.code!, StringComparer.Ordinal)
        .ToFrozenDictionary(group => group.Key, group => group.Select(pair => pair.culture).ToArray(), StringComparer.Ordinal);

    /// <summary>True when <paramref name="code"/> is an upper-case ISO 4217 code we can format.</summary>
    public static bool IsKnown(string? code) => code is not null && _culturesByCurrency.ContainsKey(code);

    /// <summary>Formats an amount in <paramref name="currency"/> the way a reader of <paramref name="culture"/> expects it.</summary>
    public static string Format(decimal amount, string currency, CultureInfo culture)
    {
        if (!_culturesByCurrency.TryGetValue(currency, out var cultures))
        {
            return string.Create(CultureInfo.InvariantCulture, $"{amount:0.00} {currency}");
        }

        // The symbol and digits come from a culture that uses the currency, preferably one in the reader's language
        // (EUR for an English reader is €, from en-IE); the pattern and separators stay the reader's own.
        var source = cultures.FirstOrDefault(c => c.TwoLetterISOLanguageName == culture.TwoLetterISOLanguageName) ?? cultures[0];
        var format = (NumberFormatInfo)culture.NumberFormat.Clone();
        format.CurrencySymbol = source.NumberFormat.CurrencySymbol;
        format.CurrencyDecimalDigits = source.NumberFormat.CurrencyDecimalDigits;
        return amount.ToString("C", format);
    }

    /// <summary>The digits after the decimal point in amounts of <paramref name="currency"/>: 2 for EUR, 0 for JPY; 2 for one we do not know.</summary>
    public static int Digits(string currency) =>
        _culturesByCurrency.TryGetValue(currency, out var cultures) ? cultures[0].NumberFormat.CurrencyDecimalDigits : 2;

    private static string? TryGetRegionCurrency(CultureInfo culture)
    {
        try
        {
            var code = new RegionInfo(culture.Name).ISOCurrencySymbol;
            return code.Length == 3 ? code : null;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}
