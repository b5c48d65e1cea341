using System.Globalization;
using Orleans.Recovery.Ledger;

namespace Orleans.Recovery.Api.Console.Overview;

/// <summary>A flow's holdout lift in plain words: "+4.1 points, 95 % CI +1.2 to +7.0".</summary>
public static class LiftWording
{
    public static string Describe(HoldoutStats holdout)
    {
        if (holdout.Entered == 0)
        {
            return holdout.TreatedEntered == 0 ? "No entries yet" : "No holdout group: set a holdout share to measure the lift";
        }

        if (holdout.Lift is not { } lift || holdout.Ci95 is not [var low, var high])
        {
            return "Not enough entries in both groups yet";
        }

        return $"{Points(lift)} points, 95 % CI {Points(low)} to {Points(high)}";
    }

    /// <summary>Whether the interval leaves out zero, so the flow's effect is more than chance.</summary>
    public static bool IsClear(HoldoutStats holdout) => holdout.Ci95 is [var low, var high] && (low > 0 || high < 0);

    private static string Points(double difference)
    {
        var points = Math.Round(difference * 100, 1, MidpointRounding.AwayFromZero);
        var text = Math.Abs(points).ToString("0.0", CultureInfo.InvariantCulture);
        return points < 0 ? "−" + text : "+" + text;
    }
}
