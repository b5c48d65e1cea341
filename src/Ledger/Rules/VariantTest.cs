using MathNet.Numerics.Distributions;

namespace Orleans.Recovery.Ledger;

/// <summary>One variant of a step: how many got it and how many of them converted.</summary>
public sealed record VariantOutcome(string Variant, int Sent, int Converted);

/// <summary>
/// Which variant of a step converts best, as a probability for each. Every variant's conversion rate gets a
/// Beta(1 + converted, 1 + sent - converted) posterior from a uniform prior, and the probability that a variant is
/// best is the integral of its density times every other variant's chance of being lower.
/// </summary>
public static class VariantTest
{
    /// <summary>
    /// Below this many recipients in any variant the test is flagged as too early to call: one conversion more or less
    /// moves such a variant's rate by a point or more.
    /// </summary>
    public const int MinRecipients = 100;

    private const int Intervals = 4000;

    public static bool TooFewToCall(IReadOnlyCollection<VariantOutcome> variants) => variants.Any(v => v.Sent < MinRecipients);

    /// <summary>The probability that each variant has the highest conversion rate; they sum to 1.</summary>
    public static IReadOnlyDictionary<string, double> ProbabilityBest(IReadOnlyList<VariantOutcome> variants)
    {
        if (variants.Count == 0)
        {
            return new Dictionary<string, double>();
        }

        var posteriors = variants.Select(v => new Beta(1 + v.Converted, 1 + Math.Max(0, v.Sent - v.Converted))).ToArray();

        // Integrate only where some posterior has mass: with thousands of recipients each is a narrow peak, and a grid
        // over all of [0, 1] would step over it.
        var low = Math.Max(0, posteriors.Min(b => b.Mean - 12 * b.StdDev));
        var high = Math.Min(1, posteriors.Max(b => b.Mean + 12 * b.StdDev));
        var step = (high - low) / Intervals;
        var density = new double[posteriors.Length, Intervals + 1];
        var below = new double[posteriors.Length, Intervals + 1];
        for (var v = 0; v < posteriors.Length; v++)
        {
            for (var i = 0; i <= Intervals; i++)
            {
                var x = low + i * step;
                density[v, i] = posteriors[v].Density(x);
                below[v, i] = posteriors[v].CumulativeDistribution(x);
            }
        }

        var best = new Dictionary<string, double>();
        for (var v = 0; v < posteriors.Length; v++)
        {
            // Simpson's rule over the grid.
            var sum = 0.0;
            for (var i = 0; i <= Intervals; i++)
            {
                var value = density[v, i];
                for (var other = 0; other < posteriors.Length; other++)
                {
                    if (other != v)
                    {
                        value *= below[other, i];
                    }
                }

                sum += value * (i == 0 || i == Intervals ? 1 : i % 2 == 1 ? 4 : 2);
            }

            best[variants[v].Variant] = Math.Clamp(sum * step / 3, 0, 1);
        }

        return best;
    }
}
