using System.ComponentModel.DataAnnotations;

namespace Orleans.Recovery.Links;

/// <summary>Public links in emails: where they point, how they are signed, how long they live.</summary>
public sealed class LinkOptions : IValidatableObject
{
    public const string Section = "Recovery:Links";

    /// <summary>The longest a link may live: a year.</summary>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(365);

    /// <summary>Bound from <c>Recovery:PublicBaseUrl</c>.</summary>
    public string PublicBaseUrl { get; set; } = "http://localhost:5080";

    /// <summary>Base64 HMAC key, at least 32 bytes. Every silo and API process of a cluster needs the same one.</summary>
    public string? SigningKey { get; set; }

    /// <summary>
    /// Keys links were signed with before the current one, bound from <c>Recovery:Links:PreviousSigningKeys:{n}</c>:
    /// accepted for reading the links already sent, never for issuing new ones. Kept for one link lifetime after a rotation.
    /// </summary>
    public List<string> PreviousSigningKeys { get; set; } = [];

    /// <summary>Where the embedded default keeps a generated key when <see cref="SigningKey"/> is not set.</summary>
    public string SigningKeyFile { get; set; } = "data/link-signing.key";

    public TimeSpan Lifetime { get; set; } = TimeSpan.FromDays(60);

    /// <summary>Where a restore link lands when its cart belongs to another shopper now: the shop's home; by default the landing page.</summary>
    public string? FallbackUrl { get; set; }

    /// <summary>Set by the host, not bound: whether a missing key may be generated into <see cref="SigningKeyFile"/>.</summary>
    internal bool SigningKeyMayBeGenerated { get; set; } = true;

    /// <summary>Set by the host, not bound: Development accepts placeholder keys.</summary>
    internal bool IsDevelopment { get; set; }

    /// <summary>The key links are signed with, read or made at start (<see cref="ResolveKey"/>).</summary>
    internal byte[]? Key { get; private set; }

    /// <summary>The previous keys that parse, in their configured order, for reading links only.</summary>
    internal IReadOnlyList<byte[]> PreviousKeys { get; private set; } = [];

    private string? _keyProblem;

    /// <summary>
    /// The configured key, else the key file's, else (for one process on its own files) a new key written to the file.
    /// At start, so a damaged file stops start-up and no grain turn ever waits on the disk for it.
    /// </summary>
    internal void ResolveKey()
    {
        if (SigningKey is not null)
        {
            Key = Links.SigningKeyFile.TryParse(SigningKey, out var bytes) ? bytes : null;
        }
        else if (File.Exists(SigningKeyFile))
        {
            Key = Links.SigningKeyFile.Read(SigningKeyFile, out _keyProblem);
        }
        else if (SigningKeyMayBeGenerated)
        {
            Key = Links.SigningKeyFile.Create(SigningKeyFile);
        }

        PreviousKeys = [.. PreviousSigningKeys.Select(text => Links.SigningKeyFile.TryParse(text, out var bytes) ? bytes : null).OfType<byte[]>()];
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Uri.TryCreate(PublicBaseUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            yield return new ValidationResult("Recovery:PublicBaseUrl must be an absolute http or https URL.", [nameof(PublicBaseUrl)]);
        }

        if (SigningKey is not null && !IsDevelopment && PlaceholderSecrets.IsPlaceholder(SigningKey))
        {
            yield return new ValidationResult(PlaceholderSecrets.Refusal($"{Section}:SigningKey"), [nameof(SigningKey)]);
        }
        else if (SigningKey is not null && Key is null)
        {
            yield return new ValidationResult($"{Section}:SigningKey must be base64 of at least {Links.SigningKeyFile.MinimumBytes} random bytes.", [nameof(SigningKey)]);
        }

        for (var index = 0; index < PreviousSigningKeys.Count; index++)
        {
            var key = $"{Section}:PreviousSigningKeys:{index}";
            if (!IsDevelopment && PlaceholderSecrets.IsPlaceholder(PreviousSigningKeys[index]))
            {
                yield return new ValidationResult(PlaceholderSecrets.Refusal(key), [nameof(PreviousSigningKeys)]);
            }
            else if (!Links.SigningKeyFile.TryParse(PreviousSigningKeys[index], out _))
            {
                yield return new ValidationResult($"{key} must be base64 of at least {Links.SigningKeyFile.MinimumBytes} random bytes: a signing key used before.", [nameof(PreviousSigningKeys)]);
            }
        }

        if (_keyProblem is not null)
        {
            yield return new ValidationResult(_keyProblem, [nameof(SigningKeyFile)]);
        }
        else if (SigningKey is null && Key is null)
        {
            yield return new ValidationResult(
                $"{Section}:SigningKey must be set in a cluster (Recovery:Clustering=AdoNet): every silo and API process must sign and check links with the same key. Generate one with: openssl rand -base64 32",
                [nameof(SigningKey)]);
        }

        if (FallbackUrl is not null && (!Uri.TryCreate(FallbackUrl, UriKind.Absolute, out var fallback) || fallback.Scheme is not ("http" or "https")))
        {
            yield return new ValidationResult($"{Section}:FallbackUrl must be an absolute http or https URL, such as the shop's home page.", [nameof(FallbackUrl)]);
        }

        if (Lifetime <= TimeSpan.Zero || Lifetime > MaxLifetime)
        {
            yield return new ValidationResult($"{Section}:Lifetime must be a positive TimeSpan of at most 365.00:00:00.", [nameof(Lifetime)]);
        }
    }
}
