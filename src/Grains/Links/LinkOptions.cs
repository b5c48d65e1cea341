using System.ComponentModel.DataAnnotations;

namespace Orleans.Recovery.Links;

/// <summary>Public links in emails: where they point, how they are signed, how long they live.</summary>
public sealed class LinkOptions : IValidatableObject
{
    public const string Section = "Recovery:Links";

    /// <summary>Bound from <c>Recovery:PublicBaseUrl</c>.</summary>
    public string PublicBaseUrl { get; set; } = "http://localhost:5080";

    /// <summary>Base64 HMAC key, at least 32 bytes. Every silo and API process of a cluster needs the same one.</summary>
    public string? SigningKey { get; set; }

    /// <summary>Where the embedded default keeps a generated key when <see cref="SigningKey"/> is not set.</summary>
    public string SigningKeyFile { get; set; } = "data/link-signing.key";

    public TimeSpan Lifetime { get; set; } = TimeSpan.FromDays(60);

    /// <summary>Set by the host, not bound: whether a missing key may be generated into <see cref="SigningKeyFile"/>.</summary>
    internal bool SigningKeyMayBeGenerated { get; set; } = true;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Uri.TryCreate(PublicBaseUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            yield return new ValidationResult("Recovery:PublicBaseUrl must be an absolute http or https URL.", [nameof(PublicBaseUrl)]);
        }

        if (SigningKey is not null && (!IsBase64(SigningKey, out var length) || length < 32))
        {
            yield return new ValidationResult($"{Section}:SigningKey must be base64 of at least 32 random bytes.", [nameof(SigningKey)]);
        }

        if (SigningKey is null && !SigningKeyMayBeGenerated && !File.Exists(SigningKeyFile))
        {
            yield return new ValidationResult(
                $"{Section}:SigningKey must be set in a cluster (Recovery:Clustering=AdoNet): every silo and API process must sign and check links with the same key. Generate one with: openssl rand -base64 32",
                [nameof(SigningKey)]);
        }

        if (Lifetime <= TimeSpan.Zero)
        {
            yield return new ValidationResult($"{Section}:Lifetime must be positive.", [nameof(Lifetime)]);
        }
    }

    private static bool IsBase64(string value, out int length) =>
        Convert.TryFromBase64String(value, new byte[value.Length], out length);
}
