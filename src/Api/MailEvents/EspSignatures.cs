using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Orleans.Recovery.Api.Connectors;
using Orleans.Recovery.Mail.Bounces;
using Orleans.Recovery.Hosting.Connectors;
using Orleans.Reminders;

namespace Orleans.Recovery.Api.MailEvents;

/// <summary>
/// How each ESP proves a webhook call is its own, checked before its body is believed: each answers null when it
/// holds, or the reason it does not (logged, never the secret). Keys and signatures are compared in constant time.
/// </summary>
internal static class EspSignatures
{
    /// <summary>Postmark sends the credentials of the webhook's URL as HTTP Basic authentication; both compared in constant time.</summary>
    public static string? VerifyPostmark(HttpRequest request, PostmarkOptions postmark)
    {
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return "no Basic credentials";
        }

        string credentials;
        try
        {
            credentials = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
        }
        catch (FormatException)
        {
            return "unreadable Basic credentials";
        }

        var colon = credentials.IndexOf(':');
        var user = colon >= 0 ? credentials[..colon] : credentials;
        var password = colon >= 0 ? credentials[(colon + 1)..] : "";
        var userMatches = FixedTimeEquals(user, postmark.Username!);
        var passwordMatches = FixedTimeEquals(password, postmark.Password!);
        return userMatches && passwordMatches ? null : "wrong credentials";
    }

    /// <summary>SendGrid signs the timestamp header's text followed by the raw body, ECDSA P-256 with SHA-256, DER-encoded.</summary>
    public static string? VerifySendGrid(HttpRequest request, byte[] body, SendGridOptions sendGrid)
    {
        var signature = request.Headers["X-Twilio-Email-Event-Webhook-Signature"].ToString();
        var timestamp = request.Headers["X-Twilio-Email-Event-Webhook-Timestamp"].ToString();
        if (signature.Length == 0 || timestamp.Length == 0)
        {
            return "no X-Twilio-Email-Event-Webhook-Signature and Timestamp";
        }

        byte[] der;
        try
        {
            der = Convert.FromBase64String(signature);
        }
        catch (FormatException)
        {
            return "an unreadable signature";
        }

        using var key = ECDsa.Create();
        key.ImportSubjectPublicKeyInfo(SendGridOptions.ReadKey(sendGrid.PublicKey!)!, out _);
        var signed = new byte[Encoding.UTF8.GetByteCount(timestamp) + body.Length];
        var written = Encoding.UTF8.GetBytes(timestamp, signed);
        body.CopyTo(signed.AsSpan(written));
        try
        {
            return key.VerifyData(signed, der, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence) ? null : "a signature that does not verify";
        }
        catch (CryptographicException)
        {
            return "a signature that does not verify";
        }
    }

    /// <summary>Mailgun signs <c>timestamp + token</c> with HMAC-SHA256, hex; the body itself is not covered, so a token counts once.</summary>
    public static (string? Refusal, string? Token) VerifyMailgun(JsonElement? root, MailgunOptions mailgun, DateTimeOffset now)
    {
        if (root is not { ValueKind: JsonValueKind.Object } element || !element.TryGetProperty("signature", out var signature) || signature.ValueKind != JsonValueKind.Object)
        {
            return ("no signature object", null);
        }

        var timestamp = Payload.Text(signature, "timestamp");
        var token = Payload.Text(signature, "token");
        var hex = Payload.Text(signature, "signature");
        if (timestamp is null || token is null || hex is null || token.Length > 256)
        {
            return ("an incomplete signature object", null);
        }

        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(mailgun.SigningKey!), Encoding.UTF8.GetBytes(timestamp + token));
        byte[] given;
        try
        {
            given = Convert.FromHexString(hex);
        }
        catch (FormatException)
        {
            return ("an unreadable signature", null);
        }

        if (!CryptographicOperations.FixedTimeEquals(expected, given))
        {
            return ("a signature that does not verify", null);
        }

        if (!long.TryParse(timestamp, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds)
            || Math.Abs((now - DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(seconds, 0, 253402300799))).Ticks) > MailEventsApi.MailgunSignatureLifetime.Ticks)
        {
            return ("a signature older than 12 hours", null);
        }

        return (null, token);
    }


    private static bool FixedTimeEquals(string given, string expected) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));
}
