using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Microsoft.Extensions.Configuration;

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

    /// <summary>
    /// The product's default steps, with configuration laid over them by index: setting only
    /// <c>Steps:1:Delay</c> changes the second step and keeps the others. A value that is not a TimeSpan stops
    /// start-up with its key.
    /// </summary>
    public void Bind(IConfiguration configuration)
    {
        CartAbandonment.Steps =
        [
            new() { Delay = TimeSpan.FromHours(1) },
            new() { Delay = TimeSpan.FromHours(24) },
            new() { Delay = TimeSpan.FromHours(72) },
        ];
        var flow = configuration.GetSection($"{Section}:CartAbandonment");
        CartAbandonment.Expiry = ReadTimeSpan(flow.GetSection(nameof(FlowOptions.Expiry))) ?? CartAbandonment.Expiry;
        foreach (var step in flow.GetSection(nameof(FlowOptions.Steps)).GetChildren())
        {
            if (!int.TryParse(step.Key, NumberStyles.None, CultureInfo.InvariantCulture, out var index) || index > 20)
            {
                throw new InvalidOperationException($"{step.Path} is not a step number; steps are numbered 0, 1, 2 …");
            }

            while (CartAbandonment.Steps.Count <= index)
            {
                CartAbandonment.Steps.Add(new FollowUpStep());
            }

            CartAbandonment.Steps[index].Delay = ReadTimeSpan(step.GetSection(nameof(FollowUpStep.Delay))) ?? CartAbandonment.Steps[index].Delay;
        }
    }

    private static TimeSpan? ReadTimeSpan(IConfigurationSection section) => section.Value switch
    {
        null => null,
        var text when TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var value) => value,
        var text => throw new InvalidOperationException($"{section.Path} is '{text}'; it must be a TimeSpan such as 01:00:00 or 1.00:00:00."),
    };

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
