using System.Globalization;
using Orleans.Recovery.Ledger;

namespace Orleans.Recovery.Api.Console.Shared;

/// <summary>How the console writes figures: invariant digits, currencies never added together, times in UTC.</summary>
public static class Show
{
    private static readonly CultureInfo Culture = CultureInfo.InvariantCulture;

    public static string Count(long count) => count.ToString("N0", Culture);

    public static string Money(CurrencyAmount amount) => $"{amount.Currency} {amount.Amount.ToString("N2", Culture)}";

    public static string Money(IReadOnlyCollection<CurrencyAmount> amounts) =>
        amounts.Count == 0 ? "–" : string.Join(", ", amounts.Select(Money));

    public static string Money(decimal amount, string currency) => Money(new CurrencyAmount(currency, amount));

    public static string Percent(double? rate) => rate is { } value ? (value * 100).ToString("0.0", Culture) + " %" : "–";

    /// <summary>A small rate to two places, where a tenth of a percent matters: bounce and complaint rates.</summary>
    public static string FinePercent(double? rate) => rate is { } value ? (value * 100).ToString("0.00", Culture) + " %" : "–";

    public static string Time(DateTimeOffset? at) => at is { } value ? value.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", Culture) : "–";

    public static string Date(DateOnly date) => date.ToString("yyyy-MM-dd", Culture);

    /// <summary>An enumeration's value in words: <c>CardExpired</c> reads "card expired".</summary>
    public static string Words(Enum value) =>
        System.Text.RegularExpressions.Regex.Replace(value.ToString(), "(?<=[a-z])(?=[A-Z])", " ").ToLowerInvariant();

    /// <summary>A reason as the ledger names it (<c>quiet-hours</c>), as a person reads it (quiet hours).</summary>
    public static string Reason(string reason) => reason.Replace('-', ' ').Replace('_', ' ');
}
