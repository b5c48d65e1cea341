using System.ComponentModel.DataAnnotations;

namespace Orleans.Recovery.Retention;

/// <summary><c>Recovery:Retention</c>: how long finished carts, orders and coupons are kept, personal data and all.</summary>
public sealed class RetentionOptions : IValidatableObject
{
    public const string Section = "Recovery:Retention";

    /// <summary>A cart, order or coupon with nothing pending is cleared this long after its last activity.</summary>
    public TimeSpan After { get; set; } = TimeSpan.FromDays(90);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // Shorter than the longest flow would clear what a flow still needs; the engine never clears a grain with mail pending, but its history would go.
        if (After < TimeSpan.FromDays(1) || After > TimeSpan.FromDays(3650))
        {
            yield return new ValidationResult($"{Section}:After must be from 1.00:00:00 to 3650.00:00:00.", [nameof(After)]);
        }
    }
}
