namespace Orleans.Recovery.Ledger;

/// <summary>An order as a conversion: when it was paid.</summary>
public sealed record Conversion(string OrderId, DateTimeOffset At);

/// <summary>
/// Whether a cart or order in a flow converted, for the holdout's comparison: the first order paid within the window
/// after one of its marketing steps came due. The treated group got those steps; the control group's were held out
/// at the same moments, so both are measured from the same instants over the same window.
/// </summary>
public static class EntryConversion
{
    /// <summary>The first conversion within <paramref name="window"/> after one of the <paramref name="decided"/> instants, or null.</summary>
    public static Conversion? Of(IReadOnlyCollection<DateTimeOffset> decided, IEnumerable<Conversion> conversions, TimeSpan window) =>
        conversions
            .Where(conversion => decided.Any(at => conversion.At >= at && conversion.At <= at + window))
            .OrderBy(conversion => conversion.At)
            .ThenBy(conversion => conversion.OrderId, StringComparer.Ordinal)
            .FirstOrDefault();
}
