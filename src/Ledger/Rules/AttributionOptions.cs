using System.ComponentModel.DataAnnotations;

namespace Orleans.Recovery.Ledger;

/// <summary><c>Recovery:Attribution</c>: how an order is credited to the message that recovered it.</summary>
public sealed class AttributionOptions : IValidatableObject
{
    public const string Section = "Recovery:Attribution";

    /// <summary><c>Click</c>: the last message the customer clicked; <c>Send</c>: the last one sent to them.</summary>
    public AttributionModel Model { get; set; } = AttributionModel.Click;

    /// <summary>How long before an order a touch still counts; the holdout measures conversions over the same window.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromDays(5);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enum.IsDefined(Model))
        {
            yield return new ValidationResult($"{Section}:Model must be Click or Send.", [nameof(Model)]);
        }

        if (Window < TimeSpan.FromMinutes(1) || Window > TimeSpan.FromDays(365))
        {
            yield return new ValidationResult($"{Section}:Window must be from 00:01:00 to 365.00:00:00.", [nameof(Window)]);
        }
    }
}
