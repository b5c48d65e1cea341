using System.ComponentModel.DataAnnotations;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.OpenSsl;
using Org.BouncyCastle.X509;

namespace Orleans.Recovery.Mail;

/// <summary>
/// DKIM signing of every message, bound from <c>Recovery:Dkim</c>: off until a domain, selector and key file are set.
/// The key is read and checked at start, so a missing, unreadable, weak or mismatched key stops start-up naming its key.
/// </summary>
public sealed class DkimOptions : IValidatableObject
{
    public const string Section = "Recovery:Dkim";

    public string? Domain { get; set; }

    public string? Selector { get; set; }

    /// <summary>A PEM private key: RSA (PKCS#1 or PKCS#8, 2048 bits or more) or Ed25519 (PKCS#8).</summary>
    public string? PrivateKeyFile { get; set; }

    /// <summary><c>rsa-sha256</c> or <c>ed25519-sha256</c>; by default the one the key is for.</summary>
    public string? Algorithm { get; set; }

    /// <summary>The sender's From address, whose domain the signing domain must align with (DMARC).</summary>
    internal string? FromAddress { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(Domain) || !string.IsNullOrWhiteSpace(Selector) || !string.IsNullOrWhiteSpace(PrivateKeyFile);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enabled)
        {
            yield break;
        }

        foreach (var (name, value) in new[] { (nameof(Domain), Domain), (nameof(Selector), Selector), (nameof(PrivateKeyFile), PrivateKeyFile) })
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                yield return new ValidationResult($"{Section}:{name} is required with the other {Section} keys: DKIM needs a domain, a selector and a private key file.", [name]);
            }
        }

        if (string.IsNullOrWhiteSpace(Domain) || string.IsNullOrWhiteSpace(Selector) || string.IsNullOrWhiteSpace(PrivateKeyFile))
        {
            yield break;
        }

        if (Uri.CheckHostName(Domain) != UriHostNameType.Dns || !Domain.Contains('.'))
        {
            yield return new ValidationResult($"{Section}:Domain must be a domain name such as shop.example.", [nameof(Domain)]);
        }

        if (Uri.CheckHostName(Selector) != UriHostNameType.Dns)
        {
            yield return new ValidationResult($"{Section}:Selector must be a DNS label such as recovery2026.", [nameof(Selector)]);
        }

        if (!Aligns(FromAddress, Domain))
        {
            yield return new ValidationResult(
                $"{Section}:Domain ({Domain}) must be the domain of {SenderOptions.Section}:FromAddress ({FromAddress}) or a parent of it, or DMARC will not count the signature.",
                [nameof(Domain)]);
        }

        string? keyProblem = null;
        DkimKey? key = null;
        try
        {
            key = DkimKey.Read(PrivateKeyFile);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or InvalidDataException or PemException or InvalidCastException)
        {
            keyProblem = exception.Message;
        }

        if (keyProblem is not null)
        {
            yield return new ValidationResult($"{Section}:PrivateKeyFile ({PrivateKeyFile}) cannot be used: {keyProblem}", [nameof(PrivateKeyFile)]);
        }
        else if (Algorithm is { Length: > 0 } algorithm && DkimKey.Parse(algorithm) is null)
        {
            yield return new ValidationResult($"{Section}:Algorithm must be rsa-sha256 or ed25519-sha256.", [nameof(Algorithm)]);
        }
        else if (Algorithm is { Length: > 0 } chosen && DkimKey.Parse(chosen) != key!.Algorithm)
        {
            yield return new ValidationResult($"{Section}:Algorithm ({chosen}) does not fit the key in {Section}:PrivateKeyFile, which is for {DkimKey.Name(key.Algorithm)}.", [nameof(Algorithm)]);
        }
    }

    /// <summary>DMARC's relaxed alignment: the From domain is the signing domain or below it.</summary>
    public static bool Aligns(string? fromAddress, string domain)
    {
        var at = fromAddress?.LastIndexOf('@') ?? -1;
        if (at < 0)
        {
            return false;
        }

        var from = fromAddress![(at + 1)..].TrimEnd('.').ToLowerInvariant();
        var signing = domain.TrimEnd('.').ToLowerInvariant();
        return from == signing || from.EndsWith("." + signing, StringComparison.Ordinal);
    }
}

/// <summary>A DKIM private key as read from its PEM file, with the DNS record that publishes its public half.</summary>
public sealed record DkimKey(AsymmetricKeyParameter PrivateKey, AsymmetricKeyParameter PublicKey, DkimSignatureAlgorithm Algorithm)
{
    /// <summary>Reads a PEM key: RSA in PKCS#1 or PKCS#8 of 2048 bits or more, or Ed25519 in PKCS#8.</summary>
    public static DkimKey Read(string file)
    {
        using var reader = new StreamReader(file);
        var pem = new PemReader(reader).ReadObject() ?? throw new InvalidDataException("it holds no PEM key.");
        var (privateKey, publicKey) = pem switch
        {
            AsymmetricCipherKeyPair pair => (pair.Private, pair.Public),
            RsaPrivateCrtKeyParameters rsa => ((AsymmetricKeyParameter)rsa, (AsymmetricKeyParameter)new RsaKeyParameters(false, rsa.Modulus, rsa.PublicExponent)),
            Ed25519PrivateKeyParameters ed => (ed, ed.GeneratePublicKey()),
            _ => throw new InvalidDataException($"it holds a {pem.GetType().Name}, not an RSA or Ed25519 private key."),
        };
        if (!privateKey.IsPrivate)
        {
            throw new InvalidDataException("it holds a public key; DKIM signs with the private one.");
        }

        if (privateKey is RsaKeyParameters { Modulus.BitLength: < 2048 } weak)
        {
            throw new InvalidDataException($"its RSA key has {weak.Modulus.BitLength} bits; mailbox providers ignore DKIM keys under 2048.");
        }

        return new DkimKey(privateKey, publicKey, privateKey is Ed25519PrivateKeyParameters ? DkimSignatureAlgorithm.Ed25519Sha256 : DkimSignatureAlgorithm.RsaSha256);
    }

    /// <summary>The TXT record's value to publish at <c>{selector}._domainkey.{domain}</c> (RFC 6376, RFC 8463 for Ed25519).</summary>
    public string TxtRecord => PublicKey is Ed25519PublicKeyParameters ed
        ? $"v=DKIM1; k=ed25519; p={Convert.ToBase64String(ed.GetEncoded())}"
        : $"v=DKIM1; k=rsa; p={Convert.ToBase64String(SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(PublicKey).GetDerEncoded())}";

    public static DkimSignatureAlgorithm? Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "rsa-sha256" => DkimSignatureAlgorithm.RsaSha256,
        "ed25519-sha256" => DkimSignatureAlgorithm.Ed25519Sha256,
        _ => null,
    };

    public static string Name(DkimSignatureAlgorithm algorithm) => algorithm == DkimSignatureAlgorithm.Ed25519Sha256 ? "ed25519-sha256" : "rsa-sha256";
}
