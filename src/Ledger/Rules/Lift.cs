namespace Orleans.Recovery.Ledger;

/// <summary>
/// What a flow adds over its control group: the difference of two conversion rates, with a 95 % interval.
/// </summary>
/// <remarks>
/// The interval is Newcombe's hybrid score interval (his method 10), built from each group's Wilson interval. Unlike
/// the textbook Wald interval, it stays inside [-1, 1] and keeps its coverage with few conversions or rates near 0,
/// which is where a young flow's numbers are.
/// </remarks>
public sealed record Lift(
    int TreatedEntered,
    int TreatedConverted,
    int ControlEntered,
    int ControlConverted)
{
    private const double Z95 = 1.959963984540054;

    public double? TreatedRate => Rate(TreatedConverted, TreatedEntered);

    public double? ControlRate => Rate(ControlConverted, ControlEntered);

    /// <summary>Treated minus control, in absolute terms (0.041 is 4.1 points); null until both groups have members.</summary>
    public double? Difference => TreatedRate - ControlRate;

    /// <summary>The 95 % interval of <see cref="Difference"/>; null until both groups have members.</summary>
    public (double Low, double High)? Interval95
    {
        get
        {
            if (TreatedRate is not { } p1 || ControlRate is not { } p2)
            {
                return null;
            }

            var (l1, u1) = Wilson(TreatedConverted, TreatedEntered);
            var (l2, u2) = Wilson(ControlConverted, ControlEntered);
            var d = p1 - p2;
            return (d - Math.Sqrt(Square(p1 - l1) + Square(u2 - p2)), d + Math.Sqrt(Square(u1 - p1) + Square(p2 - l2)));
        }
    }

    /// <summary>Orders the flow won that the treated group would not have placed at the control group's rate.</summary>
    public double? IncrementalOrders => Difference * TreatedEntered;

    private static double? Rate(int converted, int entered) => entered > 0 ? (double)converted / entered : null;

    /// <summary>Wilson's score interval of one proportion.</summary>
    private static (double Low, double High) Wilson(int converted, int entered)
    {
        double n = entered, p = converted / n, z2 = Z95 * Z95;
        var centre = (p + z2 / (2 * n)) / (1 + z2 / n);
        var half = Z95 / (1 + z2 / n) * Math.Sqrt(p * (1 - p) / n + z2 / (4 * n * n));
        return (Math.Max(0, centre - half), Math.Min(1, centre + half));
    }

    private static double Square(double x) => x * x;
}
