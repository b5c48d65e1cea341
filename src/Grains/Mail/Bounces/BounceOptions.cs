using System.ComponentModel.DataAnnotations;
using MailKit.Security;

namespace Orleans.Recovery.Mail.Bounces;

/// <summary>
/// Bounces and complaints, bound from <c>Recovery:Bounces</c>: the per-message return path, the bounce mailbox the
/// engine reads, the ESPs' signed webhooks, and how many soft bounces suppress an address. Each part is off until set.
/// </summary>
public sealed class BounceOptions : IValidatableObject
{
    public const string Section = "Recovery:Bounces";

    /// <summary>The token's place in <see cref="ReturnPath"/>.</summary>
    public const string TokenPlaceholder = "{token}";

    /// <summary>How long soft bounces are counted towards <see cref="SoftLimit"/>.</summary>
    public static readonly TimeSpan SoftWindow = TimeSpan.FromDays(30);

    /// <summary>
    /// The envelope sender of every message, with <c>{token}</c> in its local part, e.g. <c>bounces+{token}@shop.example</c>
    /// (VERP): a bounce comes back to an address that names the message it is about. Null: the From address.
    /// </summary>
    public string? ReturnPath { get; set; }

    /// <summary>Soft bounces (4.x.x) within 30 days that suppress the address.</summary>
    [Range(1, 100, ErrorMessage = Section + ":SoftLimit must be a whole number from 1 to 100.")]
    public int SoftLimit { get; set; } = 3;

    public BounceMailboxOptions Imap { get; set; } = new();

    public PostmarkOptions Postmark { get; set; } = new();

    public SendGridOptions SendGrid { get; set; } = new();

    public MailgunOptions Mailgun { get; set; } = new();

    /// <summary>True in Development, where placeholder secrets are allowed.</summary>
    internal bool IsDevelopment { get; set; }

    /// <summary>True when messages carry a token that bounces and ESP events bring back.</summary>
    public bool TracksMessages => ReturnPath is not null || Postmark.Enabled || SendGrid.Enabled || Mailgun.Enabled;

    /// <summary>
    /// The headers each configured ESP turns into data of its events, carrying the message's token: Postmark's
    /// metadata, SendGrid's unique arguments, Mailgun's user variables. The ESP strips them before delivery.
    /// </summary>
    public IEnumerable<(string Name, string Value)> EspHeaders(string token)
    {
        // Postmark keeps metadata values of up to 80 characters, so the token is cut into parts under keys of their own
        // (recovery, recovery-2, recovery-3), which its events bring back together; a token longer than that is left out.
        if (Postmark.Enabled && PostmarkParts(token) is { } parts)
        {
            foreach (var (key, part) in parts)
            {
                yield return ($"X-PM-Metadata-{key}", part);
            }
        }

        if (SendGrid.Enabled)
        {
            yield return ("X-SMTPAPI", "{\"unique_args\":{\"" + EspTokenKey + "\":\"" + token + "\"}}");
        }

        if (Mailgun.Enabled)
        {
            yield return ("X-Mailgun-Variables", "{\"" + EspTokenKey + "\":\"" + token + "\"}");
        }
    }

    /// <summary>The longest metadata value Postmark keeps.</summary>
    public const int PostmarkMetadataMaxLength = 80;

    /// <summary>The metadata keys a token is cut into for Postmark, in order.</summary>
    public static readonly IReadOnlyList<string> PostmarkTokenKeys = [EspTokenKey, EspTokenKey + "-2", EspTokenKey + "-3"];

    private static List<(string Key, string Part)>? PostmarkParts(string token)
    {
        var parts = token.Chunk(PostmarkMetadataMaxLength).Select(chunk => new string(chunk)).ToList();
        return parts.Count <= PostmarkTokenKeys.Count ? [.. parts.Select((part, index) => (PostmarkTokenKeys[index], part))] : null;
    }

    /// <summary>The name our token has in an ESP's event data.</summary>
    public const string EspTokenKey = "recovery";

    /// <summary>The return path of one message: <see cref="ReturnPath"/> with its token; null without one.</summary>
    public string? ReturnPathFor(string token) => ReturnPath?.Replace(TokenPlaceholder, token, StringComparison.Ordinal);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ReturnPath is { } returnPath)
        {
            var at = returnPath.LastIndexOf('@');
            var token = returnPath.IndexOf(TokenPlaceholder, StringComparison.Ordinal);
            if (at <= 0 || token < 0 || token > at || returnPath.IndexOf(TokenPlaceholder, token + 1, StringComparison.Ordinal) >= 0
                || Uri.CheckHostName(returnPath[(at + 1)..]) != UriHostNameType.Dns
                || returnPath.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '<' or '>' or '"' or ',' or ';'))
            {
                yield return new ValidationResult(
                    $"{Section}:ReturnPath must be an address with {TokenPlaceholder} once in its local part, such as bounces+{TokenPlaceholder}@shop.example.",
                    [nameof(ReturnPath)]);
            }
        }

        foreach (var result in Imap.Validate(IsDevelopment))
        {
            yield return result;
        }

        foreach (var (key, value) in new[]
        {
            ("Postmark:Password", Postmark.Password),
            ("Mailgun:SigningKey", Mailgun.SigningKey),
        })
        {
            if (value is not null && value.Length < 16)
            {
                yield return new ValidationResult($"{Section}:{key} must be at least 16 characters.", [key]);
            }
            else if (!IsDevelopment && PlaceholderSecrets.IsPlaceholder(value))
            {
                yield return new ValidationResult(PlaceholderSecrets.Refusal($"{Section}:{key}"), [key]);
            }
        }

        if (string.IsNullOrWhiteSpace(Postmark.Username) != string.IsNullOrWhiteSpace(Postmark.Password))
        {
            yield return new ValidationResult($"{Section}:Postmark:Username and {Section}:Postmark:Password are set together.", ["Postmark"]);
        }

        if (SendGrid.PublicKey is { } publicKey && SendGridOptions.ReadKey(publicKey) is null)
        {
            yield return new ValidationResult(
                $"{Section}:SendGrid:PublicKey must be the Event Webhook's verification key: base64 of the DER public key, as SendGrid's settings show it, or PEM.",
                ["SendGrid:PublicKey"]);
        }
    }
}

/// <summary>The bounce mailbox, bound from <c>Recovery:Bounces:Imap</c>: read while <see cref="Host"/> is set.</summary>
public sealed class BounceMailboxOptions
{
    public string? Host { get; set; }

    /// <summary>993 for <c>SslOnConnect</c>, 143 otherwise, unless set.</summary>
    public int? Port { get; set; }

    /// <summary>MailKit's <see cref="SecureSocketOptions"/>: <c>Auto</c>, <c>SslOnConnect</c>, <c>StartTls</c>, <c>StartTlsWhenAvailable</c> or <c>None</c>.</summary>
    public SecureSocketOptions Security { get; set; } = SecureSocketOptions.Auto;

    public string? Username { get; set; }

    public string? Password { get; set; }

    public string Folder { get; set; } = "INBOX";

    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Where a message goes once read, so it is never read twice; created when missing.</summary>
    public string ProcessedFolder { get; set; } = "Processed";

    public bool Enabled => !string.IsNullOrWhiteSpace(Host);

    public int EffectivePort => Port ?? (Security == SecureSocketOptions.SslOnConnect ? 993 : 143);

    internal IEnumerable<ValidationResult> Validate(bool isDevelopment)
    {
        const string prefix = $"{BounceOptions.Section}:Imap";
        if (!Enabled)
        {
            yield break;
        }

        if (string.IsNullOrWhiteSpace(Username) || string.IsNullOrEmpty(Password))
        {
            yield return new ValidationResult($"{prefix}:Username and {prefix}:Password are required with {prefix}:Host.", ["Imap"]);
        }
        else if (!isDevelopment && PlaceholderSecrets.IsPlaceholder(Password))
        {
            yield return new ValidationResult(PlaceholderSecrets.Refusal($"{prefix}:Password"), ["Imap:Password"]);
        }

        if (Port is < 1 or > 65535)
        {
            yield return new ValidationResult($"{prefix}:Port must be between 1 and 65535.", ["Imap:Port"]);
        }

        if (PollInterval < TimeSpan.FromSeconds(1) || PollInterval > TimeSpan.FromHours(1))
        {
            yield return new ValidationResult($"{prefix}:PollInterval must be between 00:00:01 and 01:00:00.", ["Imap:PollInterval"]);
        }

        if (string.IsNullOrWhiteSpace(Folder) || string.IsNullOrWhiteSpace(ProcessedFolder) || string.Equals(Folder, ProcessedFolder, StringComparison.OrdinalIgnoreCase))
        {
            yield return new ValidationResult($"{prefix}:Folder and {prefix}:ProcessedFolder must be two different folders.", ["Imap:ProcessedFolder"]);
        }
    }
}

/// <summary>Postmark's bounce and spam-complaint webhooks, which authenticate with HTTP Basic credentials in the URL.</summary>
public sealed class PostmarkOptions
{
    public string? Username { get; set; }

    public string? Password { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(Username) && !string.IsNullOrEmpty(Password);
}

/// <summary>SendGrid's signed Event Webhook: ECDSA P-256 over the timestamp and the body.</summary>
public sealed class SendGridOptions
{
    /// <summary>The verification key: base64 of the DER SubjectPublicKeyInfo, or PEM.</summary>
    public string? PublicKey { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(PublicKey);

    /// <summary>The key's SubjectPublicKeyInfo bytes; null when <paramref name="value"/> is neither form of an EC P-256 key.</summary>
    public static byte[]? ReadKey(string value)
    {
        try
        {
            using var key = System.Security.Cryptography.ECDsa.Create();
            if (value.Contains("-----BEGIN", StringComparison.Ordinal))
            {
                key.ImportFromPem(value);
            }
            else
            {
                key.ImportSubjectPublicKeyInfo(Convert.FromBase64String(value.Trim()), out _);
            }

            return key.KeySize == 256 ? key.ExportSubjectPublicKeyInfo() : null;
        }
        catch (Exception exception) when (exception is FormatException or ArgumentException or System.Security.Cryptography.CryptographicException)
        {
            return null;
        }
    }
}

/// <summary>Mailgun's webhooks: HMAC-SHA256 of the timestamp and token with the webhook signing key.</summary>
public sealed class MailgunOptions
{
    public string? SigningKey { get; set; }

    public bool Enabled => !string.IsNullOrEmpty(SigningKey);
}
