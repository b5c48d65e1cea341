using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Orleans.Recovery.Links;

/// <summary>
/// Signed, expiring tokens for the public links in emails: base64url(purpose, subject, expiry[, language]) "."
/// base64url(HMAC). They are signed, not encrypted, so subjects hold only ids, never personal data. The language is the
/// one the email was written in, so the page behind the link answers in it; tokens made before it was added have none.
/// </summary>
public sealed class LinkTokens(IOptions<LinkOptions> options, TimeProvider clock)
{
    private const int MacBytes = 16;
    private readonly Lazy<byte[]> _key = new(() => options.Value.Key
        ?? throw new InvalidOperationException($"No link-signing key: set {LinkOptions.Section}:SigningKey."));

    public string BaseUrl => options.Value.PublicBaseUrl.TrimEnd('/');

    /// <summary>The absolute URL of a signed link, valid for the configured lifetime from <paramref name="issuedAt"/>.</summary>
    public string Link(LinkPurpose purpose, string subject, DateTimeOffset issuedAt, string? language = null) =>
        $"{BaseUrl}/{(char)purpose}/{Create(purpose, subject, issuedAt + options.Value.Lifetime, language)}";

    public string Create(LinkPurpose purpose, string subject, DateTimeOffset expires, string? language = null)
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"{(char)purpose}\n{subject}\n{expires.ToUnixTimeSeconds()}");
        var payload = Encoding.UTF8.GetBytes(language is { Length: > 0 } ? $"{text}\n{language}" : text);
        return $"{Base64Url.EncodeToString(payload)}.{Base64Url.EncodeToString(Sign(payload))}";
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

        byte[] payload, mac;
        try
        {
            payload = Base64Url.DecodeFromChars(token.AsSpan(0, dot));
            mac = Base64Url.DecodeFromChars(token.AsSpan(dot + 1));
        }
        catch (FormatException)
        {
            return null;
        }

        if (!CryptographicOperations.FixedTimeEquals(mac, Sign(payload)))
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

    /// <summary>A keyed hash of <paramref name="value"/> for <paramref name="purpose"/>: unguessable without the signing key, and the same every time.</summary>
    public byte[] Derive(string purpose, string value) =>
        HMACSHA256.HashData(_key.Value, Encoding.UTF8.GetBytes($"{purpose}\n{value}"));

    private byte[] Sign(byte[] payload) => HMACSHA256.HashData(_key.Value, payload).AsSpan(0, MacBytes).ToArray();
}

/// <summary>What a genuine token says: its subject, and the language of the email it came in, when it was recorded.</summary>
public sealed record SignedLink(string Subject, string? Language);
