namespace Orleans.Recovery.Ledger;

/// <summary>One row of the ledger's daily counts, summed over a period: a metric of a flow's step and variant.</summary>
/// <remarks>Step 0 holds the flow's own figures: its entries and their groups. Amounts are in the currency's units.</remarks>
public sealed record CountRow(string Flow, int Step, string Variant, string Metric, string Detail, long Count, decimal Amount);

/// <summary>An amount in one currency; reports never add currencies together.</summary>
public sealed record CurrencyAmount(string Currency, decimal Amount);

/// <summary>The treated group against the flow's control group, with the lift and its 95 % interval.</summary>
public sealed record HoldoutStats(
    long Entered,
    long Converted,
    double? ConversionRate,
    long TreatedEntered,
    long TreatedConverted,
    double? TreatedConversionRate,
    double? Lift,
    double[]? Ci95,
    double? IncrementalOrders,
    IReadOnlyList<CurrencyAmount> IncrementalRevenue);

public sealed record VariantStats(string Variant, long Sent, long Clicked, long Recovered, IReadOnlyList<CurrencyAmount> Revenue, double? ProbabilityBest);

public sealed record StepStats(
    int Step,
    long Planned,
    long Sent,
    IReadOnlyDictionary<string, long> Skipped,
    IReadOnlyDictionary<string, long> Deferred,
    IReadOnlyDictionary<string, long> Failed,
    long Clicked,
    long Recovered,
    IReadOnlyList<CurrencyAmount> Revenue,
    IReadOnlyList<CurrencyAmount> Discounts,
    IReadOnlyList<VariantStats> Variants,
    bool TooFewToCall);

public sealed record FlowStats(
    string Flow,
    long Entered,
    long Sent,
    IReadOnlyDictionary<string, long> Skipped,
    IReadOnlyDictionary<string, long> Deferred,
    IReadOnlyDictionary<string, long> Failed,
    long Clicked,
    long Recovered,
    IReadOnlyList<CurrencyAmount> Revenue,
    IReadOnlyList<CurrencyAmount> Discounts,
    double? RecoveryRate,
    HoldoutStats Holdout,
    IReadOnlyList<StepStats> Steps)
{
    /// <summary>Messages reported undeliverable for good after they were sent (5.x.x, an ESP's permanent bounce).</summary>
    public long HardBounces { get; init; }

    /// <summary>Messages reported delayed or refused for now (4.x.x), once each.</summary>
    public long SoftBounces { get; init; }

    /// <summary>Messages their recipient marked as spam.</summary>
    public long Complaints { get; init; }

    /// <summary>Hard bounces over messages sent in the period; null with nothing sent.</summary>
    public double? HardBounceRate => Sent > 0 ? (double)HardBounces / Sent : null;

    /// <summary>Complaints over messages sent in the period; null with nothing sent.</summary>
    public double? ComplaintRate => Sent > 0 ? (double)Complaints / Sent : null;
}

/// <summary>
/// The sender's reputation over the last 7 days, all flows together: what mailbox providers judge a sender by. Gmail
/// and Yahoo hold bulk senders to a complaint rate under 0.3 %; the console warns from 0.1 %, and from a 2 % hard-bounce
/// rate, which says the shop's addresses are not being checked where they are collected.
/// </summary>
public sealed record Deliverability(DateOnly From, DateOnly To, long Sent, long HardBounces, long SoftBounces, long Complaints, IReadOnlyList<string> Warnings)
{
    public const double ComplaintWarning = 0.001;
    public const double HardBounceWarning = 0.02;

    public double? HardBounceRate => Sent > 0 ? (double)HardBounces / Sent : null;

    public double? ComplaintRate => Sent > 0 ? (double)Complaints / Sent : null;

    /// <summary>The figures of <paramref name="rows"/>, the ledger's counts of the 7 days from <paramref name="from"/> to <paramref name="to"/>.</summary>
    public static Deliverability Of(IReadOnlyCollection<CountRow> rows, DateOnly from, DateOnly to)
    {
        var steps = rows.Where(row => row.Step > 0).ToList();
        var sent = steps.Where(row => row.Metric == LedgerMetric.Sent).Sum(row => row.Count);
        var hard = steps.Where(row => row.Metric == LedgerMetric.Bounced && row.Detail == SkipReason.HardBounce).Sum(row => row.Count);
        var soft = steps.Where(row => row.Metric == LedgerMetric.Bounced && row.Detail != SkipReason.HardBounce).Sum(row => row.Count);
        var complaints = steps.Where(row => row.Metric == LedgerMetric.Complained).Sum(row => row.Count);
        var warnings = new List<string>();
        if (sent > 0 && (double)complaints / sent > ComplaintWarning)
        {
            warnings.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"Spam complaints over the last 7 days are {(double)complaints / sent:P2} of the mail sent ({complaints} of {sent}): above 0.1 %, mailbox providers start filtering the shop's mail, and Gmail and Yahoo refuse bulk senders above 0.3 %. Check consent and how often the flows write."));
        }

        if (sent > 0 && (double)hard / sent > HardBounceWarning)
        {
            warnings.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"Hard bounces over the last 7 days are {(double)hard / sent:P2} of the mail sent ({hard} of {sent}): above 2 %, the addresses the shop collects are not being checked, and providers count the bounces against its reputation."));
        }

        return new Deliverability(from, to, sent, hard, soft, complaints, warnings);
    }
}

/// <summary>
/// The stats of a period, put together from the ledger's daily counts: per flow, per step and per variant, with the
/// holdout's lift and each variant's chance to be best. Pure, so every figure's rule is tested without a database.
/// </summary>
public static class StatsReport
{
    public static IReadOnlyList<FlowStats> From(IReadOnlyCollection<CountRow> rows, IEnumerable<string> flows) =>
        [.. flows.Select(flow => Flow(flow, [.. rows.Where(row => row.Flow == flow)]))];

    private static FlowStats Flow(string flow, IReadOnlyList<CountRow> rows)
    {
        var own = rows.Where(row => row.Step == 0).ToList();
        var steps = rows.Where(row => row.Step > 0).ToList();
        var holdout = Holdout(own);
        var recovered = Sum(steps, LedgerMetric.Recovered);
        return new FlowStats(
            flow,
            Sum(own, LedgerMetric.Entered),
            Sum(steps, LedgerMetric.Sent),
            ByDetail(steps, LedgerMetric.Skipped),
            ByDetail(steps, LedgerMetric.Deferred),
            ByDetail(steps, LedgerMetric.Failed),
            Sum(steps, LedgerMetric.Clicked),
            recovered,
            Amounts(steps, LedgerMetric.Revenue),
            Amounts(steps, LedgerMetric.Discount),
            holdout.TreatedEntered > 0 ? (double)recovered / holdout.TreatedEntered : null,
            holdout,
            [.. steps.Select(row => row.Step).Distinct().Order().Select(step => Step(step, [.. steps.Where(row => row.Step == step)]))])
        {
            HardBounces = steps.Where(row => row.Metric == LedgerMetric.Bounced && row.Detail == SkipReason.HardBounce).Sum(row => row.Count),
            SoftBounces = steps.Where(row => row.Metric == LedgerMetric.Bounced && row.Detail != SkipReason.HardBounce).Sum(row => row.Count),
            Complaints = Sum(steps, LedgerMetric.Complained),
        };
    }

    private static StepStats Step(int step, IReadOnlyList<CountRow> rows)
    {
        var variants = rows.Where(row => row.Variant.Length > 0).Select(row => row.Variant).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Select(variant => (Name: variant, Rows: rows.Where(row => row.Variant == variant).ToList()))
            .ToList();
        var outcomes = variants.Select(v => new VariantOutcome(v.Name, (int)Sum(v.Rows, LedgerMetric.Sent), (int)Sum(v.Rows, LedgerMetric.Recovered))).ToList();
        var best = outcomes.Count > 1 ? VariantTest.ProbabilityBest(outcomes) : null;
        return new StepStats(
            step,
            Sum(rows, LedgerMetric.Planned),
            Sum(rows, LedgerMetric.Sent),
            ByDetail(rows, LedgerMetric.Skipped),
            ByDetail(rows, LedgerMetric.Deferred),
            ByDetail(rows, LedgerMetric.Failed),
            Sum(rows, LedgerMetric.Clicked),
            Sum(rows, LedgerMetric.Recovered),
            Amounts(rows, LedgerMetric.Revenue),
            Amounts(rows, LedgerMetric.Discount),
            [.. variants.Select(v => new VariantStats(v.Name, Sum(v.Rows, LedgerMetric.Sent), Sum(v.Rows, LedgerMetric.Clicked), Sum(v.Rows, LedgerMetric.Recovered), Amounts(v.Rows, LedgerMetric.Revenue), best?[v.Name]))],
            outcomes.Count > 1 && VariantTest.TooFewToCall(outcomes));
    }

    private static HoldoutStats Holdout(IReadOnlyList<CountRow> own)
    {
        var lift = new Lift(
            (int)Sum(own, LedgerMetric.TreatedEntered),
            (int)Sum(own, LedgerMetric.TreatedConverted),
            (int)Sum(own, LedgerMetric.ControlEntered),
            (int)Sum(own, LedgerMetric.ControlConverted));
        var treatedRevenue = Amounts(own, LedgerMetric.TreatedRevenue);
        var controlRevenue = Amounts(own, LedgerMetric.ControlRevenue);

        // Revenue per entry in each group, the difference scaled to the treated group: what the flow added, per currency.
        var incremental = lift.TreatedEntered > 0 && lift.ControlEntered > 0
            ? treatedRevenue.Select(money => money.Currency).Union(controlRevenue.Select(money => money.Currency)).Order(StringComparer.Ordinal)
                .Select(currency => new CurrencyAmount(currency, Math.Round(
                    (AmountOf(treatedRevenue, currency) / lift.TreatedEntered - AmountOf(controlRevenue, currency) / lift.ControlEntered) * lift.TreatedEntered, 2)))
                .ToList()
            : [];
        return new HoldoutStats(
            lift.ControlEntered,
            lift.ControlConverted,
            lift.ControlRate,
            lift.TreatedEntered,
            lift.TreatedConverted,
            lift.TreatedRate,
            lift.Difference,
            lift.Interval95 is { } interval ? [interval.Low, interval.High] : null,
            lift.IncrementalOrders,
            incremental);
    }

    private static long Sum(IEnumerable<CountRow> rows, string metric) => rows.Where(row => row.Metric == metric).Sum(row => row.Count);

    private static IReadOnlyDictionary<string, long> ByDetail(IEnumerable<CountRow> rows, string metric) => rows
        .Where(row => row.Metric == metric)
        .GroupBy(row => row.Detail, StringComparer.Ordinal)
        .Select(group => (Reason: group.Key, Count: group.Sum(row => row.Count)))
        .Where(pair => pair.Count != 0)
        .OrderBy(pair => pair.Reason, StringComparer.Ordinal)
        .ToDictionary(pair => pair.Reason, pair => pair.Count, StringComparer.Ordinal);

    private static IReadOnlyList<CurrencyAmount> Amounts(IEnumerable<CountRow> rows, string metric) => [.. rows
        .Where(row => row.Metric == metric)
        .GroupBy(row => row.Detail, StringComparer.Ordinal)
        .Select(group => new CurrencyAmount(group.Key, group.Sum(row => row.Amount)))
        .Where(money => money.Amount != 0)
        .OrderBy(money => money.Currency, StringComparer.Ordinal)];

    private static decimal AmountOf(IReadOnlyList<CurrencyAmount> amounts, string currency) => amounts.FirstOrDefault(money => money.Currency == currency)?.Amount ?? 0m;
}
