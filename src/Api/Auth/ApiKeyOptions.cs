using System.ComponentModel.DataAnnotations;

namespace Orleans.Recovery.Api.Auth;

/// <summary>The bearer keys, bound from <c>Recovery:ApiKeys</c>.</summary>
public sealed class ApiKeyOptions : IValidatableObject
{
    public const string Section = "Recovery:ApiKeys";
    public const string DevelopmentStorefrontKey = "dev-storefront-key-change-me";
    public const string DevelopmentOperatorKey = "dev-operator-key-change-me";

    public string? Storefront { get; set; }

    public string? Operator { get; set; }

    /// <summary>True when the development keys were filled in because none were configured.</summary>
    public bool UsesDevelopmentKeys { get; set; }

    /// <summary>Set by the host: only Development runs on development or placeholder keys.</summary>
    internal bool IsDevelopment { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (name, key) in new[] { (nameof(Storefront), Storefront), (nameof(Operator), Operator) })
        {
            if (string.IsNullOrWhiteSpace(key))
            {
                yield return new ValidationResult($"{Section}:{name} is required outside Development: set it to a long random secret.", [name]);
            }
            else if (!IsDevelopment && PlaceholderSecrets.IsPlaceholder(key))
            {
                yield return new ValidationResult(PlaceholderSecrets.Refusal($"{Section}:{name}"), [name]);
            }
            else if (key.Length < 16)
            {
                yield return new ValidationResult($"{Section}:{name} must be at least 16 characters.", [name]);
            }
        }

        if (Storefront is not null && Storefront == Operator)
        {
            yield return new ValidationResult($"{Section}:Storefront and {Section}:Operator must differ.", [nameof(Operator)]);
        }
    }
}
