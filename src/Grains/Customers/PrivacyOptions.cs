using System.ComponentModel.DataAnnotations;
using Orleans.Recovery.Links;

namespace Orleans.Recovery.Customers;

/// <summary>
/// <c>Recovery:Privacy</c>: the secret customer keys are made with (<see cref="CustomerKeys"/>). Without it, anyone who
/// knows an address could compute its key and find what the engine keeps under it, an erased customer's counts included.
/// </summary>
public sealed class PrivacyOptions : IValidatableObject
{
    public const string Section = "Recovery:Privacy";

    /// <summary>
    /// Base64 of at least 32 random bytes. Every silo and API process needs the same one, and it must never change: a
    /// new secret makes new keys, and what was kept under the old ones (unsubscribes, erasures) would no longer be found.
    /// </summary>
    public string? CustomerKeySecret { get; set; }

    /// <summary>Where Development keeps a secret it generated, when <see cref="CustomerKeySecret"/> is not set.</summary>
    public string CustomerKeySecretFile { get; set; } = "data/customer-key.secret";

    /// <summary>
    /// On PostgreSQL, how long after an erase the tables it touched are rewritten without its dead rows, so that several
    /// erases share one rewrite. SQLite is compacted within the erase's request.
    /// </summary>
    public TimeSpan VacuumDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Set by the host, not bound: whether a missing secret may be generated (Development, one process on its own files).</summary>
    internal bool SecretMayBeGenerated { get; set; }

    /// <summary>Set by the host, not bound: Development accepts placeholder secrets.</summary>
    internal bool IsDevelopment { get; set; }

    /// <summary>The secret, read or made at start (<see cref="ResolveSecret"/>).</summary>
    internal byte[]? Secret { get; private set; }

    private string? _problem;

    /// <summary>The configured secret, else in Development the file's, else a new one written to the file. At start, so a damaged file stops it.</summary>
    internal void ResolveSecret()
    {
        // An empty value (an environment variable set to nothing) is no secret: it is refused as a missing one.
        CustomerKeySecret = string.IsNullOrWhiteSpace(CustomerKeySecret) ? null : CustomerKeySecret.Trim();
        if (CustomerKeySecret is not null)
        {
            Secret = SigningKeyFile.TryParse(CustomerKeySecret, out var bytes) ? bytes : null;
        }
        else if (SecretMayBeGenerated && File.Exists(CustomerKeySecretFile))
        {
            Secret = SigningKeyFile.TryParse(File.ReadAllText(CustomerKeySecretFile).Trim(), out var bytes) ? bytes : null;
            _problem = Secret is null
                ? $"{Section}:CustomerKeySecretFile: {CustomerKeySecretFile} does not hold base64 of at least {SigningKeyFile.MinimumBytes} random bytes. Restore it from a backup: a new secret would lose every unsubscribe and erasure kept under the old keys."
                : null;
        }
        else if (SecretMayBeGenerated)
        {
            Secret = SigningKeyFile.Create(CustomerKeySecretFile);
        }
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (VacuumDelay < TimeSpan.Zero || VacuumDelay > TimeSpan.FromDays(1))
        {
            yield return new ValidationResult($"{Section}:VacuumDelay must be from 00:00:00 to 1.00:00:00.", [nameof(VacuumDelay)]);
        }

        if (_problem is not null)
        {
            yield return new ValidationResult(_problem, [nameof(CustomerKeySecretFile)]);
        }
        else if (CustomerKeySecret is not null && !IsDevelopment && PlaceholderSecrets.IsPlaceholder(CustomerKeySecret))
        {
            yield return new ValidationResult(PlaceholderSecrets.Refusal($"{Section}:CustomerKeySecret"), [nameof(CustomerKeySecret)]);
        }
        else if (CustomerKeySecret is not null && Secret is null)
        {
            yield return new ValidationResult($"{Section}:CustomerKeySecret must be base64 of at least {SigningKeyFile.MinimumBytes} random bytes.", [nameof(CustomerKeySecret)]);
        }
        else if (Secret is null)
        {
            yield return new ValidationResult(
                $"{Section}:CustomerKeySecret must be set outside Development and in a cluster: customer keys are made with it, so that no one who knows an address can find what is kept under it. Generate one with: openssl rand -base64 32, give every process the same, and never change it.",
                [nameof(CustomerKeySecret)]);
        }
    }
}
