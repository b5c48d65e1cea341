using System.ComponentModel.DataAnnotations;

namespace Orleans.Recovery.Mail;

/// <summary>How the SMTP connection is secured.</summary>
public enum SmtpSecurity
{
    None,
    StartTls,
    SslOnConnect,
}

/// <summary>The SMTP relay, bound from <c>Recovery:Smtp</c>. Without a host, mail goes to the pickup directory.</summary>
public sealed class SmtpOptions : IValidatableObject
{
    public const string Section = "Recovery:Smtp";

    public string? Host { get; set; }

    /// <summary>0 picks the usual port for <see cref="Security"/>: 25, 587 or 465.</summary>
    public int Port { get; set; }

    public SmtpSecurity Security { get; set; } = SmtpSecurity.StartTls;

    public string? Username { get; set; }

    public string? Password { get; set; }

    public string PickupDirectory { get; set; } = "data/outbox";

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// SMTP connections a silo holds open at once. A storm of due follow-ups queues here rather than opening
    /// thousands of connections a relay would refuse.
    /// </summary>
    public int MaxConnections { get; set; } = 4;

    /// <summary>Set by the host: only Development runs on a placeholder password.</summary>
    internal bool IsDevelopment { get; set; }

    public bool UsesPickupDirectory => string.IsNullOrWhiteSpace(Host);

    public int EffectivePort => Port != 0 ? Port : Security switch
    {
        SmtpSecurity.SslOnConnect => 465,
        SmtpSecurity.StartTls => 587,
        _ => 25,
    };

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Port is < 0 or > 65535)
        {
            yield return new ValidationResult($"{Section}:Port must be between 1 and 65535 (0 for the default).", [nameof(Port)]);
        }

        if (UsesPickupDirectory && string.IsNullOrWhiteSpace(PickupDirectory))
        {
            yield return new ValidationResult($"{Section}:PickupDirectory is required when {Section}:Host is not set.", [nameof(PickupDirectory)]);
        }

        if (string.IsNullOrEmpty(Username) != string.IsNullOrEmpty(Password))
        {
            yield return new ValidationResult($"{Section}:Username and {Section}:Password must be set together.", [nameof(Username)]);
        }
        else if (!IsDevelopment && PlaceholderSecrets.IsPlaceholder(Password))
        {
            yield return new ValidationResult(PlaceholderSecrets.Refusal($"{Section}:Password"), [nameof(Password)]);
        }

        if (Timeout > TimeSpan.FromMinutes(10))
        {
            yield return new ValidationResult($"{Section}:Timeout must be at most 00:10:00.", [nameof(Timeout)]);
        }

        if (MaxConnections is < 1 or > 256)
        {
            yield return new ValidationResult($"{Section}:MaxConnections must be from 1 to 256.", [nameof(MaxConnections)]);
        }

        if (Timeout <= TimeSpan.Zero)
        {
            yield return new ValidationResult($"{Section}:Timeout must be positive.", [nameof(Timeout)]);
        }
    }
}
