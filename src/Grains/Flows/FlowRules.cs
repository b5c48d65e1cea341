using System.Text.RegularExpressions;
using Orleans.Recovery.Mail;
using Orleans.Recovery.Ledger;

namespace Orleans.Recovery.Flows;

/// <summary>A flaw in a flow definition: where it is, as JSON and configuration name it, and what is wrong.</summary>
[GenerateSerializer, Immutable, Alias("flow-problem")]
public sealed record FlowProblem([property: Id(0)] string Path, [property: Id(1)] string ConfigurationPath, [property: Id(2)] string Message);

/// <summary>What makes a flow definition runnable. The same rules guard configuration at start and the operator's PUT.</summary>
public static partial class FlowRules
{
    public const int MaxSteps = 10;
    public const int MaxVariants = 10;

    /// <summary>
    /// The longest delay, expiry or coupon validity: a year. Beyond it nothing a shop means is left, and far beyond it
    /// <c>now + delay</c> overflows the calendar.
    /// </summary>
    public static readonly TimeSpan MaxSpan = TimeSpan.FromDays(365);

    private const string WithinAYear = "of at most 365.00:00:00";

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,63}$")]
    public static partial Regex NamePattern();

    public static IReadOnlyList<FlowProblem> Validate(string flow, FlowDefinition definition, Func<string, bool> templateExists)
    {
        var problems = new List<FlowProblem>();
        void Add(string path, string configurationPath, string message) => problems.Add(new FlowProblem(path, configurationPath, message));

        if (definition.Expiry <= TimeSpan.Zero || definition.Expiry > MaxSpan)
        {
            Add("expiry", "Expiry", $"must be a positive TimeSpan {WithinAYear}, such as 1.00:00:00.");
        }

        if (!(definition.Holdout >= 0 && definition.Holdout <= Holdout.MaxShare))
        {
            Add("holdout", "Holdout", $"must be a share from 0 to {Holdout.MaxShare.ToString(System.Globalization.CultureInfo.InvariantCulture)}, such as 0.1 to hold out a tenth of the flow's customers.");
        }

        var steps = definition.Steps ?? [];
        if (steps.Count is 0 or > MaxSteps)
        {
            Add("steps", "Steps", $"must hold 1 to {MaxSteps} steps.");
            return problems;
        }

        if (flow == FlowNames.PostPurchase && !steps.Select(step => step?.Name).SequenceEqual(PostPurchaseSteps.All))
        {
            Add("steps", "Steps", $"must be the post-purchase steps in this order: {string.Join(", ", PostPurchaseSteps.All)}. Their templates, delays and variants may change; the steps themselves are fixed by the events that send them.");
            return problems;
        }

        for (var i = 0; i < steps.Count; i++)
        {
            var step = steps[i];
            var at = $"steps[{i}]";
            var key = $"Steps:{i}";
            if (step is null)
            {
                Add(at, key, "must be a step.");
                continue;
            }

            if (!NamePattern().IsMatch(step.Name ?? ""))
            {
                Add($"{at}.name", $"{key}:Name", "must be 1 to 64 lower-case letters, digits or hyphens.");
            }
            else if (steps.Take(i).Any(other => other?.Name == step.Name))
            {
                Add($"{at}.name", $"{key}:Name", $"'{step.Name}' is already the name of an earlier step.");
            }

            if (step.Delay > MaxSpan)
            {
                Add($"{at}.delay", $"{key}:Delay", $"must be a TimeSpan {WithinAYear}.");
            }
            else if (flow == FlowNames.PostPurchase)
            {
                var waits = step.Name == PostPurchaseSteps.ReviewRequest;
                if (waits && step.Delay <= TimeSpan.Zero)
                {
                    Add($"{at}.delay", $"{key}:Delay", "must be a positive TimeSpan: the time from delivery to the review request.");
                }
                else if (!waits && step.Delay != TimeSpan.Zero)
                {
                    Add($"{at}.delay", $"{key}:Delay", $"must be 00:00:00: the {step.Name} notice goes out as its event arrives.");
                }
            }
            else if (step.Delay <= TimeSpan.Zero)
            {
                Add($"{at}.delay", $"{key}:Delay", "must be a positive TimeSpan such as 01:00:00.");
            }
            else if (i > 0 && steps[i - 1] is { } previous && step.Delay <= previous.Delay)
            {
                Add($"{at}.delay", $"{key}:Delay", "must be later than the step before it.");
            }

            CheckTemplate(step.Template, $"{at}.template", $"{key}:Template", required: true);
            var marketing = flow != FlowNames.PostPurchase || PostPurchaseSteps.IsMarketing(step.Name ?? "");
            CheckDiscount(step.DiscountPercent, marketing, $"{at}.discountPercent", $"{key}:DiscountPercent");
            if (step.CouponValidity <= TimeSpan.Zero || step.CouponValidity > MaxSpan)
            {
                Add($"{at}.couponValidity", $"{key}:CouponValidity", $"must be a positive TimeSpan {WithinAYear}, such as 7.00:00:00.");
            }

            var variants = step.Variants ?? [];
            if (variants.Count > MaxVariants)
            {
                Add($"{at}.variants", $"{key}:Variants", $"must hold at most {MaxVariants} variants.");
                continue;
            }

            for (var v = 0; v < variants.Count; v++)
            {
                var variant = variants[v];
                var vat = $"{at}.variants[{v}]";
                var vkey = $"{key}:Variants:{v}";
                if (variant is null)
                {
                    Add(vat, vkey, "must be a variant.");
                    continue;
                }

                if (!NamePattern().IsMatch(variant.Name ?? ""))
                {
                    Add($"{vat}.name", $"{vkey}:Name", "must be 1 to 64 lower-case letters, digits or hyphens.");
                }
                else if (variants.Take(v).Any(other => other?.Name == variant.Name))
                {
                    Add($"{vat}.name", $"{vkey}:Name", $"'{variant.Name}' is already the name of an earlier variant of this step.");
                }

                if (variant.Weight is < 1 or > 1000)
                {
                    Add($"{vat}.weight", $"{vkey}:Weight", "must be a whole number from 1 to 1000.");
                }

                CheckTemplate(variant.Template, $"{vat}.template", $"{vkey}:Template", required: false);
                if (variant.Subject is { } subject && (subject.Length > 300 ? "must be at most 300 characters." : MailTemplates.SubjectError(subject)) is { } error)
                {
                    Add($"{vat}.subject", $"{vkey}:Subject", error);
                }

                CheckDiscount(variant.DiscountPercent, marketing, $"{vat}.discountPercent", $"{vkey}:DiscountPercent");
            }
        }

        return problems;

        void CheckTemplate(string? template, string path, string configurationPath, bool required)
        {
            if (template is null && !required)
            {
                return;
            }

            if (!NamePattern().IsMatch(template ?? ""))
            {
                Add(path, configurationPath, "must be a template name of lower-case letters, digits or hyphens, such as cart-reminder.");
            }
            else if (!templateExists(template!))
            {
                Add(path, configurationPath, $"names the template '{template}', which does not exist in every language ({string.Join(", ", MailLocale.Languages)}).");
            }
        }

        void CheckDiscount(decimal? percent, bool marketing, string path, string configurationPath)
        {
            if (percent is null)
            {
                return;
            }

            if (!marketing)
            {
                Add(path, configurationPath, "is not allowed on a transactional notice.");
            }
            else if (percent is <= 0m or > 90m)
            {
                Add(path, configurationPath, "must be a percentage above 0 and at most 90.");
            }
        }
    }
}
