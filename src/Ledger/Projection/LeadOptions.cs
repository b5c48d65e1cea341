using System.ComponentModel.DataAnnotations;

namespace Orleans.Recovery.Ledger;

/// <summary><c>Recovery:Leads</c>: when an abandoned cart or a failed payment counts as lost.</summary>
public sealed class LeadOptions : IValidatableObject
{
    public const string Section = "Recovery:Leads";

    /// <summary>A lead whose sequence finished this long ago without an order is lost.</summary>
    public TimeSpan LostAfter { get; set; } = TimeSpan.FromDays(30);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (LostAfter < TimeSpan.Zero || LostAfter > TimeSpan.FromDays(3650))
        {
            yield return new ValidationResult($"{Section}:LostAfter must be from 00:00:00 to 3650.00:00:00.", [nameof(LostAfter)]);
        }
    }
}
