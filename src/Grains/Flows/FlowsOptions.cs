using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Orleans.Recovery.Ledger;

namespace Orleans.Recovery.Flows;

/// <summary>
/// Every flow as configured, bound from <c>Recovery:Flows</c>: the product's defaults with configuration laid over
/// them. These are what a flow runs on until the operator replaces it through the API.
/// </summary>
public sealed class FlowsOptions : IValidatableObject
{
    public const string Section = "Recovery:Flows";

    public FlowDefinition CartAbandonment { get; set; } = Defaults.CartAbandonment();

    public FlowDefinition IncompletePayment { get; set; } = Defaults.IncompletePayment();

    public FlowDefinition PostPurchase { get; set; } = Defaults.PostPurchase();

    /// <summary>Set by the host: whether a template name exists, so a flow naming a missing template stops start-up.</summary>
    internal Func<string, bool> TemplateExists { get; set; } = _ => true;

    public FlowDefinition For(string flow) => flow switch
    {
        FlowNames.CartAbandonment => CartAbandonment,
        FlowNames.IncompletePayment => IncompletePayment,
        FlowNames.PostPurchase => PostPurchase,
        _ => throw new ArgumentOutOfRangeException(nameof(flow), flow, "Not a flow."),
    };

    /// <summary>
    /// Lays configuration over the defaults by index: setting only <c>Steps:1:Delay</c> changes the second step and
    /// keeps the others. A value that does not convert stops start-up with its key.
    /// </summary>
    public void Bind(IConfiguration configuration)
    {
        foreach (var flow in FlowNames.All)
        {
            var section = configuration.GetSection($"{Section}:{FlowNames.ConfigurationName(flow)}");
            var definition = For(flow);
            definition.Expiry = Read<TimeSpan>(section.GetSection(nameof(FlowDefinition.Expiry))) ?? definition.Expiry;
            definition.Holdout = Read<double>(section.GetSection(nameof(FlowDefinition.Holdout))) ?? definition.Holdout;
            foreach (var step in section.GetSection(nameof(FlowDefinition.Steps)).GetChildren())
            {
                if (!int.TryParse(step.Key, NumberStyles.None, CultureInfo.InvariantCulture, out var index) || index >= FlowRules.MaxSteps)
                {
                    throw new InvalidOperationException($"{step.Path} is not a step number; steps are numbered 0, 1, 2 … up to {FlowRules.MaxSteps - 1}.");
                }

                while (definition.Steps.Count <= index)
                {
                    definition.Steps.Add(new FlowStep { Name = $"step-{definition.Steps.Count + 1}", Template = definition.Steps[^1].Template });
                }

                BindStep(step, definition.Steps[index]);
            }

            if (flow == FlowNames.PostPurchase && Read<TimeSpan>(section.GetSection("ReviewRequestDelay")) is { } reviewDelay)
            {
                definition.Step(PostPurchaseSteps.ReviewRequest)!.Delay = reviewDelay;
            }
        }
    }

    private static void BindStep(IConfigurationSection section, FlowStep step)
    {
        step.Delay = Read<TimeSpan>(section.GetSection(nameof(FlowStep.Delay))) ?? step.Delay;
        step.Template = section[nameof(FlowStep.Template)] ?? step.Template;
        step.DiscountPercent = Read<decimal>(section.GetSection(nameof(FlowStep.DiscountPercent))) ?? step.DiscountPercent;
        step.CouponValidity = Read<TimeSpan>(section.GetSection(nameof(FlowStep.CouponValidity))) ?? step.CouponValidity;
        foreach (var variant in section.GetSection(nameof(FlowStep.Variants)).GetChildren())
        {
            step.Variants.Add(new StepVariant
            {
                Name = variant[nameof(StepVariant.Name)] ?? "",
                Weight = Read<int>(variant.GetSection(nameof(StepVariant.Weight))) ?? 1,
                Template = variant[nameof(StepVariant.Template)],
                Subject = variant[nameof(StepVariant.Subject)],
                DiscountPercent = Read<decimal>(variant.GetSection(nameof(StepVariant.DiscountPercent))),
            });
        }
    }

    private static T? Read<T>(IConfigurationSection section) where T : struct, ISpanParsable<T>
    {
        if (section.Value is not { } text)
        {
            return null;
        }

        return T.TryParse(text, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new InvalidOperationException(typeof(T) == typeof(TimeSpan)
                ? $"{section.Path} is '{text}'; it must be a TimeSpan such as 01:00:00 or 1.00:00:00."
                : $"{section.Path} is '{text}'; it must be a number.");
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var flow in FlowNames.All)
        {
            var reviewDelay = $"Steps:{PostPurchaseSteps.Number(PostPurchaseSteps.ReviewRequest) - 1}:Delay";
            foreach (var problem in FlowRules.Validate(flow, For(flow), TemplateExists))
            {
                var key = $"{Section}:{FlowNames.ConfigurationName(flow)}:{problem.ConfigurationPath}";
                if (flow == FlowNames.PostPurchase && problem.ConfigurationPath == reviewDelay)
                {
                    // Operators set it as ReviewRequestDelay.
                    key = $"{Section}:{FlowNames.ConfigurationName(flow)}:ReviewRequestDelay ({problem.ConfigurationPath})";
                }

                yield return new ValidationResult($"{key}: {problem.Message}", [key]);
            }
        }
    }

    /// <summary>The product's defaults, from the practice it is built on.</summary>
    public static class Defaults
    {
        public static FlowDefinition CartAbandonment() => new()
        {
            Steps =
            [
                new() { Name = "reminder-1", Delay = TimeSpan.FromHours(1), Template = "cart-reminder" },
                new() { Name = "reminder-2", Delay = TimeSpan.FromHours(24), Template = "cart-reminder" },
                new() { Name = "reminder-3", Delay = TimeSpan.FromHours(72), Template = "cart-reminder", DiscountPercent = 10m },
            ],
        };

        public static FlowDefinition IncompletePayment() => new()
        {
            Steps =
            [
                new() { Name = "reminder-1", Delay = TimeSpan.FromHours(24), Template = "payment-failed" },
                new() { Name = "reminder-2", Delay = TimeSpan.FromHours(72), Template = "payment-failed" },
                new() { Name = "reminder-3", Delay = TimeSpan.FromDays(7), Template = "payment-failed", DiscountPercent = 10m },
            ],
        };

        public static FlowDefinition PostPurchase() => new()
        {
            Steps =
            [
                new() { Name = PostPurchaseSteps.Confirmation, Template = "order-confirmation" },
                new() { Name = PostPurchaseSteps.Shipment, Template = "shipment" },
                new() { Name = PostPurchaseSteps.Delay, Template = "delay-notice" },
                new() { Name = PostPurchaseSteps.Delivered, Template = "delivered" },
                new() { Name = PostPurchaseSteps.ReviewRequest, Delay = TimeSpan.FromDays(3), Template = "review-request" },
            ],
        };
    }
}
