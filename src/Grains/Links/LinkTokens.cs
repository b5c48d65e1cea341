using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Reminders;

namespace Orleans.Recovery.Links;

/// <summary>
/// Sealed, expiring tokens for the public links in emails: base64url(nonce, AES-256-GCM(purpose, payload, expiry[,
/// language])) "." base64url(tag). Sealed, not only signed: a payload holds the customer key, a hash of the address,
/// which a reader of a signed token could test guessed addresses against. The nonce is derived from the payload, so
/// one link is always the same token. The language is the one the email was written in, so the page behind the link
/// answers in it. Tokens sent before sealing (base64url(payload) "." base64url(HMAC)) are still read until they expire.
/// </summary>
public sealed class LinkTokens(IOptions<LinkOptions> options, [FromKeyedServices(ReminderTimeProviderNames.Reminders)] TimeProvider clock)
{
    private const int MacBytes = 16;
    private const int NonceBytes = 12;
    private const int TagBytes = 16;

    private readonly Lazy<LinkKey> _key = new(() => new LinkKey(options.Value.Key
        ?? throw new InvalidOperationException($"No link-signing key: set {LinkOptions.Section}:SigningKey.")));

    // The keys links were signed with before a rotation: they read links, and never sign one.
    private readonly Lazy<LinkKey[]> _previous = new(() => [.. options.Value.PreviousKeys.Select(key => new LinkKey(key))]);

    private byte[] SealKey => _key.Value.Seal;

    private byte[] NonceKey => _key.Value.Nonce;

    public string BaseUrl => options.Value.PublicBaseUrl.TrimEnd('/');

    /// <summary>Where a link goes that may not open what it names any more: <c>Recovery:Links:FallbackUrl</c>, else the landing page.</summary>
    public string FallbackUrl => options.Value.FallbackUrl ?? $"{BaseUrl}/";

    /// <summary>The absolute URL of a sealed link, valid for the configured lifetime from <paramref name="issuedAt"/>.</summary>
    public string Link(LinkPurpose purpose, string payload, DateTimeOffset issuedAt, string? language = null) =>
        $"{BaseUrl}/{(char)purpose}/{Create(purpose, payload, issuedAt + options.Value.Lifetime, language)}";

    /// <summary>A sealed token for <paramref name="payload"/>, valid for the configured lifetime from <paramref name="issuedAt"/>.</summary>
    public string Token(LinkPurpose purpose, string payload, DateTimeOffset issuedAt) => Create(purpose, payload, issuedAt + options.Value.Lifetime);

    public string Create(LinkPurpose purpose, string payload, DateTimeOffset expires, string? language = null)
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"{(char)purpose}\n{payload}\n{expires.ToUnixTimeSeconds()}");
        var plain = Encoding.UTF8.GetBytes(language is { Length: > 0 } ? $"{text}\n{language}" : text);
        var sealedBytes = new byte[NonceBytes + plain.Length];
        var nonce = sealedBytes.AsSpan(0, NonceBytes);
        HMACSHA256.HashData(NonceKey, plain).AsSpan(0, NonceBytes).CopyTo(nonce);
        var tag = new byte[TagBytes];
        using var aes = new AesGcm(SealKey, TagBytes);
        aes.Encrypt(nonce, plain, sealedBytes.AsSpan(NonceBytes), tag);
        return $"{Base64Url.EncodeToString(sealedBytes)}.{Base64Url.EncodeToString(tag)}";
    }

    /// <summary>The payload of a genuine, unexpired token made for <paramref name="purpose"/>; null for anything else.</summary>
    public string? Verify(LinkPurpose purpose, string token) => Read(purpose, token)?.Payload;

    /// <summary>The payload and language of a genuine, unexpired token made for <paramref name="purpose"/>; null for anything else.</summary>
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

        byte[]? payload = null;
        foreach (var key in _previous.Value.Prepend(_key.Value))
        {
            payload = Unseal(key, body, check) ?? (CryptographicOperations.FixedTimeEquals(check, Sign(key, body)) ? body : null);
            if (payload is not null)
            {
                break;
            }
        }

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
    private static byte[]? Unseal(LinkKey key, byte[] sealedBytes, byte[] tag)
    {
        if (sealedBytes.Length <= NonceBytes || tag.Length != TagBytes)
        {
            return null;
        }

        var payload = new byte[sealedBytes.Length - NonceBytes];
        try
        {
            using var aes = new AesGcm(key.Seal, TagBytes);
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
        HMACSHA256.HashData(_key.Value.Raw, Encoding.UTF8.GetBytes($"{purpose}\n{value}"));

    private static byte[] Sign(LinkKey key, byte[] payload) => HMACSHA256.HashData(key.Raw, payload).AsSpan(0, MacBytes).ToArray();

    /// <summary>
    /// A signing key and the keys of its own derived from it, for sealing and for nonces: no new setting to share. No
    /// payload or derivation input is spelled like these labels: those all hold a line break.
    /// </summary>
    private sealed class LinkKey(byte[] raw)
    {
        public byte[] Raw { get; } = raw;

        public byte[] Seal { get; } = HMACSHA256.HashData(raw, "link-seal-key"u8);

        public byte[] Nonce { get; } = HMACSHA256.HashData(raw, "link-seal-nonce"u8);
    }
}

/// <summary>What a genuine token says: its payload, and the language of the email it came in, when it was recorded.</summary>
public sealed record SignedLink(string Payload, string? Language);
