namespace Orleans.Recovery.Flows;

/// <summary>
/// One flow as data: its steps, their delays, templates, discounts and weighted variants. Read from configuration,
/// and replaceable at runtime by the operator through <see cref="IFlowGrain"/>.
/// </summary>
[GenerateSerializer, Alias("flow-definition")]
public sealed class FlowDefinition
{
    [Id(0)] public List<FlowStep> Steps { get; set; } = [];

    /// <summary>A marketing step more than this late is skipped as expired rather than sent.</summary>
    [Id(1)] public TimeSpan Expiry { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// The share of customers held out of the flow's marketing mail as a control group, 0 to 0.5. Each step a held-out
    /// customer would have received is logged <c>skipped / holdout</c>.
    /// </summary>
    [Id(2)] public double Holdout { get; set; }

    /// <summary>The gap between step <paramref name="index"/> and the one before it (or the trigger, for the first).</summary>
    public TimeSpan GapBefore(int index) => index == 0 ? Steps[0].Delay : Steps[index].Delay - Steps[index - 1].Delay;

    public FlowStep? Step(string name) => Steps.Find(step => step.Name == name);

    /// <summary>Step <paramref name="number"/>, counted from 1 as the operator sees it; null past the last.</summary>
    public FlowStep? StepNumbered(int number) => number >= 1 && number <= Steps.Count ? Steps[number - 1] : null;

    public FlowDefinition Clone() => new()
    {
        Expiry = Expiry,
        Holdout = Holdout,
        Steps = [.. Steps.Select(step => step.Clone())],
    };
}

/// <summary>One step of a flow.</summary>
[GenerateSerializer, Alias("flow-step")]
public sealed class FlowStep
{
    /// <summary>The step's name; for the post-purchase flow it says which event sends it.</summary>
    [Id(0)] public string Name { get; set; } = "";

    /// <summary>
    /// For a sequence, the time from the trigger (a cart's last activity, a failed payment) to this step. For the
    /// post-purchase review request, the time from delivery. Zero for notices sent as their event arrives.
    /// </summary>
    [Id(1)] public TimeSpan Delay { get; set; }

    /// <summary>The template's name: files <c>{language}/{template}.{subject|html|text}.liquid</c>.</summary>
    [Id(2)] public string Template { get; set; } = "";

    /// <summary>A percentage off, carried as a unique single-use coupon; null for none.</summary>
    [Id(3)] public decimal? DiscountPercent { get; set; }

    /// <summary>How long a coupon issued by this step stays redeemable.</summary>
    [Id(4)] public TimeSpan CouponValidity { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Weighted alternatives; a customer keeps the variant first assigned. Empty: everyone gets the step as is.</summary>
    [Id(5)] public List<StepVariant> Variants { get; set; } = [];

    public FlowStep Clone() => new()
    {
        Name = Name,
        Delay = Delay,
        Template = Template,
        DiscountPercent = DiscountPercent,
        CouponValidity = CouponValidity,
        Variants = [.. Variants.Select(variant => variant with { })],
    };

    /// <summary>The step as variant <paramref name="variant"/> changes it.</summary>
    public ResolvedStep Resolve(string? variant)
    {
        var chosen = variant is null ? null : Variants.Find(v => v.Name == variant);
        return new ResolvedStep(
            Name,
            chosen?.Name,
            chosen?.Template ?? Template,
            chosen?.Subject,
            chosen is { DiscountPercent: { } percent } ? percent : DiscountPercent,
            CouponValidity);
    }
}

/// <summary>An alternative of a step for an experiment: another template, subject or discount, chosen by weight.</summary>
[GenerateSerializer, Alias("step-variant")]
public sealed record StepVariant
{
    [Id(0)] public string Name { get; set; } = "";
    [Id(1)] public int Weight { get; set; } = 1;
    [Id(2)] public string? Template { get; set; }

    /// <summary>A Liquid subject line that replaces the template's own.</summary>
    [Id(3)] public string? Subject { get; set; }

    [Id(4)] public decimal? DiscountPercent { get; set; }
}

/// <summary>What one customer gets for a step: the step with their variant applied.</summary>
[GenerateSerializer, Immutable, Alias("resolved-step")]
public sealed record ResolvedStep(
    [property: Id(0)] string Name,
    [property: Id(1)] string? Variant,
    [property: Id(2)] string Template,
    [property: Id(3)] string? Subject,
    [property: Id(4)] decimal? DiscountPercent,
    [property: Id(5)] TimeSpan CouponValidity);
