using System.ComponentModel.DataAnnotations;

namespace Orleans.Recovery.Mail;

/// <summary>How often readiness may open a session at the SMTP relay, bound from <c>Recovery:Health</c>.</summary>
public sealed class MailCheckOptions : IValidatableObject
{
    public const string Section = "Recovery:Health";

    /// <summary>
    /// What the relay last did (a delivered message, a refused connection, a probe) stands for this long. Readiness is
    /// public and probed often; each new session costs the relay a connection, a TLS handshake and an AUTH.
    /// </summary>
    public TimeSpan MailCheckInterval { get; set; } = TimeSpan.FromSeconds(30);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MailCheckInterval < TimeSpan.FromSeconds(1) || MailCheckInterval > TimeSpan.FromHours(1))
        {
            yield return new ValidationResult($"{Section}:MailCheckInterval must be from 00:00:01 to 01:00:00.", [nameof(MailCheckInterval)]);
        }
    }
}
