using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Reminders;

namespace Orleans.Recovery.Links;

/// <summary>
/// Sealed, expiring tokens for the public links in emails: base64url(nonce, AES-256-GCM(purpose, subject, expiry[,
/// language])) "." base64url(tag). Sealed, not only signed: a subject holds the customer key, a hash of the address,
/// which a reader of a signed token could test guessed addresses against. The nonce is derived from the payload, so
/// one link is always the same token. The language is the one the email was written in, so the page behind the link
/// answers in it. Tokens sent before sealing (base64url(payload) "." base64url(HMAC)) are still read until they expire.
/// </summary>
public sealed class LinkTokens(IOptions<LinkOptions> options, [FromKeyedServices(ReminderTimeProviderNames.Reminders)] TimeProvider clock)
{
    private const int MacBytes = 16;
    private const int NonceBytes = 12;
    private const int TagBytes = 16;

    private readonly Lazy<byte[]> _key = new(() => options.Value.Key
        ?? throw new InvalidOperationException($"No link-signing key: set {LinkOptions.Section}:SigningKey."));

    private byte[]? _sealKey;
    private byte[]? _nonceKey;

    // Keys of their own for sealing and for nonces, derived from the one configured key: no new setting to share. No
    // payload or derivation input is spelled like these labels: those all hold a line break.
    private byte[] SealKey => _sealKey ??= HMACSHA256.HashData(_key.Value, "link-seal-key"u8);

    private byte[] NonceKey => _nonceKey ??= HMACSHA256.HashData(_key.Value, "link-seal-nonce"u8);

    public string BaseUrl => options.Value.PublicBaseUrl.TrimEnd('/');

    /// <summary>The absolute URL of a sealed link, valid for the configured lifetime from <paramref name="issuedAt"/>.</summary>
    public string Link(LinkPurpose purpose, string subject, DateTimeOffset issuedAt, string? language = null) =>
        $"{BaseUrl}/{(char)purpose}/{Create(purpose, subject, issuedAt + options.Value.Lifetime, language)}";

    /// <summary>A sealed token for <paramref name="subject"/>, valid for the configured lifetime from <paramref name="issuedAt"/>.</summary>
    public string Token(LinkPurpose purpose, string subject, DateTimeOffset issuedAt) => Create(purpose, subject, issuedAt + options.Value.Lifetime);

    public string Create(LinkPurpose purpose, string subject, DateTimeOffset expires, string? language = null)
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"{(char)purpose}\n{subject}\n{expires.ToUnixTimeSeconds()}");
        var payload = Encoding.UTF8.GetBytes(language is { Length: > 0 } ? $"{text}\n{language}" : text);
        var sealedBytes = new byte[NonceBytes + payload.Length];
        var nonce = sealedBytes.AsSpan(0, NonceBytes);
        HMACSHA256.HashData(NonceKey, payload).AsSpan(0, NonceBytes).CopyTo(nonce);
        var tag = new byte[TagBytes];
        using var aes = new AesGcm(SealKey, TagBytes);
        aes.Encrypt(nonce, payload, sealedBytes.AsSpan(NonceBytes), tag);
        return $"{Base64Url.EncodeToString(sealedBytes)}.{Base64Url.EncodeToString(tag)}";
    }

    /// <summary>The subject of a genuine, unexpired token made for <paramref name="purpose"/>; null for anything else.</summary>
    public string? Verify(LinkPurpose purpose, string token) => Read(purpose, token)?.Subject;

    /// <summary>The subject and language of a genuine, unexpired token made for <paramref name="purpose"/>; null for anything else.</summary>
    public SignedLink? Read(LinkPurpose purpose, string token)
    {
        var dot = token.IndexOf('.');
        if (dot <= 0 || token.Length > 2048)
        {
            return null;
        }

        byte[] body, check;
        try
        {
            body = Base64Url.DecodeFromChars(token.AsSpan(0, dot));
            check = Base64Url.DecodeFromChars(token.AsSpan(dot + 1));
        }
        catch (FormatException)
        {
            return null;
        }

        var payload = Unseal(body, check) ?? (CryptographicOperations.FixedTimeEquals(check, Sign(body)) ? body : null);
        if (payload is null)
        {
            return null;
        }

        var parts = Encoding.UTF8.GetString(payload).Split('\n');
        if (parts.Length is not (3 or 4) || parts[0] != ((char)purpose).ToString()
            || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var expires)
            || clock.GetUtcNow().ToUnixTimeSeconds() > expires)
        {
            return null;
        }

        return new SignedLink(parts[1], parts.Length == 4 ? parts[3] : null);
    }

    /// <summary>The payload of a sealed token; null when it is not one of ours (or a signed one from before sealing).</summary>
    private byte[]? Unseal(byte[] sealedBytes, byte[] tag)
    {
        if (sealedBytes.Length <= NonceBytes || tag.Length != TagBytes)
        {
            return null;
        }

        var payload = new byte[sealedBytes.Length - NonceBytes];
        try
        {
            using var aes = new AesGcm(SealKey, TagBytes);
            aes.Decrypt(sealedBytes.AsSpan(0, NonceBytes), sealedBytes.AsSpan(NonceBytes), tag, payload);
            return payload;
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }
    }

    /// <summary>A keyed hash of <paramref name="value"/> for <paramref name="purpose"/>: unguessable without the signing key, and the same every time.</summary>
    public byte[] Derive(string purpose, string value) =>
        HMACSHA256.HashData(_key.Value, Encoding.UTF8.GetBytes($"{purpose}\n{value}"));

    private byte[] Sign(byte[] payload) => HMACSHA256.HashData(_key.Value, payload).AsSpan(0, MacBytes).ToArray();
}

/// <summary>What a genuine token says: its subject, and the language of the email it came in, when it was recorded.</summary>
public sealed record SignedLink(string Subject, string? Language);
