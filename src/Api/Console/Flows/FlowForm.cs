using System.Globalization;
using Orleans.Recovery.Flows;

namespace Orleans.Recovery.Api.Console.Flows;

/// <summary>
/// A flow's editable fields as the form posts them, as text: what does not even parse is named here; everything else
/// is left to the flows API's own rules, whose errors come back under the same field names (<c>steps[0].delay</c>).
/// </summary>
public sealed class FlowForm
{
    public string? Holdout { get; set; }

    public string? Expiry { get; set; }

    public List<StepForm> Steps { get; set; } = [];

    public static FlowForm Of(FlowDefinition definition) => new()
    {
        Holdout = definition.Holdout.ToString(CultureInfo.InvariantCulture),
        Expiry = definition.Expiry.ToString("c", CultureInfo.InvariantCulture),
        Steps =
        [
            .. definition.Steps.Select(step => new StepForm
            {
                Delay = step.Delay.ToString("c", CultureInfo.InvariantCulture),
                Template = step.Template,
                Discount = step.DiscountPercent?.ToString(CultureInfo.InvariantCulture),
                CouponValidity = step.CouponValidity.ToString("c", CultureInfo.InvariantCulture),
            }),
        ],
    };

    /// <summary>
    /// <paramref name="current"/> with this form's values laid over it (names and variants are kept), or the fields that
    /// do not parse.
    /// </summary>
    public (FlowDefinition? Definition, Dictionary<string, string[]> Errors) ApplyTo(FlowDefinition current)
    {
        var errors = new Dictionary<string, string[]>();
        var definition = current.Clone();
        if (!double.TryParse(Holdout, NumberStyles.Float, CultureInfo.InvariantCulture, out var holdout))
        {
            errors["holdout"] = ["The holdout must be a share such as 0.1 (a tenth of the flow's customers)."];
        }

        definition.Holdout = holdout;
        definition.Expiry = Span(Expiry, "expiry", errors);
        if (Steps.Count != definition.Steps.Count)
        {
            errors["steps"] = ["The flow changed while you edited it: reload the page."];
            return (null, errors);
        }

        for (var i = 0; i < Steps.Count; i++)
        {
            var (form, step) = (Steps[i], definition.Steps[i]);
            step.Delay = Span(form.Delay, $"steps[{i}].delay", errors);
            step.Template = form.Template?.Trim() ?? "";
            step.CouponValidity = Span(form.CouponValidity, $"steps[{i}].couponValidity", errors);
            if (string.IsNullOrWhiteSpace(form.Discount))
            {
                step.DiscountPercent = null;
            }
            else if (decimal.TryParse(form.Discount, NumberStyles.Number, CultureInfo.InvariantCulture, out var percent))
            {
                step.DiscountPercent = percent;
            }
            else
            {
                errors[$"steps[{i}].discountPercent"] = ["The discount must be a percentage such as 10, or empty for none."];
            }
        }

        return (errors.Count == 0 ? definition : null, errors);
    }

    private static TimeSpan Span(string? text, string field, Dictionary<string, string[]> errors)
    {
        if (TimeSpan.TryParse(text?.Trim(), CultureInfo.InvariantCulture, out var span))
        {
            return span;
        }

        errors[field] = ["Write a duration as days.hours:minutes:seconds, such as 01:00:00 for an hour or 1.00:00:00 for a day."];
        return TimeSpan.Zero;
    }
}

public sealed class StepForm
{
    public string? Delay { get; set; }

    public string? Template { get; set; }

    public string? Discount { get; set; }

    public string? CouponValidity { get; set; }
}
