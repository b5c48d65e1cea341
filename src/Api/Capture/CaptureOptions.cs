using System.ComponentModel.DataAnnotations;

namespace Orleans.Recovery.Api.Capture;

/// <summary>
/// The capture script on the shop's checkout page, bound from <c>Recovery:Capture</c>. Off until a publishable key is
/// set. The key is safe to publish: it can do nothing but record a contact for a cart.
/// </summary>
public sealed class CaptureOptions : IValidatableObject
{
    public const string Section = "Recovery:Capture";

    public string? PublishableKey { get; set; }

    /// <summary>The origins of the shop's checkout pages, such as https://shop.example: only they may call the capture endpoint.</summary>
    public List<string> AllowedOrigins { get; set; } = [];

    /// <summary>Captures a minute from one client address: a checkout posts a handful.</summary>
    public int PerClientPerMinute { get; set; } = 20;

    /// <summary>Captures a minute for the key, all clients together: what a script run from many addresses can spend.</summary>
    public int PerKeyPerMinute { get; set; } = 1200;

    public bool Enabled => !string.IsNullOrEmpty(PublishableKey);

    /// <summary>The storefront's and operator's keys, which the publishable key must never equal.</summary>
    internal IReadOnlyList<string?> SecretKeys { get; set; } = [];

    internal bool IsDevelopment { get; set; }

    /// <summary>Origins as the browser sends them: scheme, host and port, lower case, without a path.</summary>
    public IReadOnlySet<string> Origins => AllowedOrigins.Select(Normalize).OfType<string>().ToHashSet(StringComparer.Ordinal);

    public bool Allows(string? origin) => origin is not null && Normalize(origin) is { } normal && Origins.Contains(normal);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enabled)
        {
            yield break;
        }

        if (PublishableKey!.Length < 16)
        {
            yield return new ValidationResult($"{Section}:PublishableKey must be at least 16 characters.", [nameof(PublishableKey)]);
        }
        else if (!IsDevelopment && PlaceholderSecrets.IsPlaceholder(PublishableKey))
        {
            yield return new ValidationResult(PlaceholderSecrets.Refusal($"{Section}:PublishableKey"), [nameof(PublishableKey)]);
        }

        if (SecretKeys.Contains(PublishableKey))
        {
            yield return new ValidationResult(
                $"{Section}:PublishableKey must differ from Recovery:ApiKeys:Storefront and Recovery:ApiKeys:Operator: it is published in the shop's pages.",
                [nameof(PublishableKey)]);
        }

        if (AllowedOrigins.Count == 0)
        {
            yield return new ValidationResult($"{Section}:AllowedOrigins:0 is required with a publishable key: the origin of the shop's checkout page, such as https://shop.example.", [nameof(AllowedOrigins)]);
        }

        for (var i = 0; i < AllowedOrigins.Count; i++)
        {
            if (Normalize(AllowedOrigins[i]) is null)
            {
                yield return new ValidationResult($"{Section}:AllowedOrigins:{i} must be an origin such as https://shop.example, without a path.", [nameof(AllowedOrigins)]);
            }
        }

        if (PerClientPerMinute is < 1 or > 10_000)
        {
            yield return new ValidationResult($"{Section}:PerClientPerMinute must be a whole number from 1 to 10000.", [nameof(PerClientPerMinute)]);
        }

        if (PerKeyPerMinute is < 1 or > 1_000_000)
        {
            yield return new ValidationResult($"{Section}:PerKeyPerMinute must be a whole number from 1 to 1000000.", [nameof(PerKeyPerMinute)]);
        }
    }

    private static string? Normalize(string origin)
    {
        if (!Uri.TryCreate(origin.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")
            || uri.UserInfo.Length > 0 || uri.PathAndQuery is not ("/" or "") || uri.Fragment.Length > 0 || origin.Trim().EndsWith('/'))
        {
            return null;
        }

        return uri.IsDefaultPort ? $"{uri.Scheme}://{uri.IdnHost}" : $"{uri.Scheme}://{uri.IdnHost}:{uri.Port}";
    }
}
