using System.ComponentModel.DataAnnotations;

namespace Orleans.Recovery.Flows;

/// <summary>The steps of one flow, bound from <c>Recovery:Flows:{Flow}</c>.</summary>
public sealed class FlowOptions
{
    public List<FollowUpStep> Steps { get; set; } = [];

    /// <summary>A step more than this late is skipped as expired rather than sent.</summary>
    public TimeSpan Expiry { get; set; } = TimeSpan.FromHours(24);
}

/// <summary>All flows, bound from <c>Recovery:Flows</c>.</summary>
public sealed class FlowsOptions : IValidatableObject
{
    public const string Section = "Recovery:Flows";

    public FlowOptions CartAbandonment { get; set; } = new();

    /// <summary>Fills in the product's default steps where configuration names none.</summary>
    public void ApplyDefaults()
    {
        if (CartAbandonment.Steps.Count == 0)
        {
            CartAbandonment.Steps =
            [
                new() { Delay = TimeSpan.FromHours(1) },
                new() { Delay = TimeSpan.FromHours(24) },
                new() { Delay = TimeSpan.FromHours(72) },
            ];
        }
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var steps = CartAbandonment.Steps;
        for (var i = 0; i < steps.Count; i++)
        {
            var key = $"{Section}:CartAbandonment:Steps:{i}:Delay";
            if (steps[i].Delay <= TimeSpan.Zero)
            {
                yield return new ValidationResult($"{key} must be a positive TimeSpan such as 01:00:00.", [key]);
            }
            else if (i > 0 && steps[i].Delay <= steps[i - 1].Delay)
            {
                yield return new ValidationResult($"{key} must be later than the step before it.", [key]);
            }
        }

        if (CartAbandonment.Expiry <= TimeSpan.Zero)
        {
            yield return new ValidationResult($"{Section}:CartAbandonment:Expiry must be a positive TimeSpan.");
        }
    }
}
