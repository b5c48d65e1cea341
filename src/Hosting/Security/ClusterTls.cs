using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;
using Orleans.Connections.Security;

namespace Orleans.Recovery.Hosting.Security;

/// <summary>
/// Mutual TLS on the cluster's own ports (silo to silo, client to gateway), bound from <c>Recovery:Tls</c>. Without it
/// anything that knows the cluster id may join as a client and call any grain, with no API key: the ports must then
/// be closed to everything but the cluster (deploy/k8s/network-policy.yaml). With it, every connection presents a
/// certificate both ways, and a peer is accepted only when its certificate was issued by a trusted authority
/// (<c>TrustedCertificatesFile</c>), or, without one, is this very certificate: one certificate shared by every silo
/// and API process, as a Kubernetes Secret holds it.
/// </summary>
public sealed class ClusterTls
{
    public const string Section = "Recovery:Tls";

    private ClusterTls(X509Certificate2 certificate, X509Certificate2Collection? trusted)
    {
        Certificate = certificate;
        Trusted = trusted;
    }

    public X509Certificate2 Certificate { get; }

    /// <summary>The authorities whose certificates are accepted; null to accept only <see cref="Certificate"/> itself.</summary>
    public X509Certificate2Collection? Trusted { get; }

    /// <summary>The configured TLS, or null when <c>Recovery:Tls:CertificateFile</c> is not set. A bad file stops start-up, naming its key.</summary>
    public static ClusterTls? From(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        var certificateFile = section["CertificateFile"];
        if (string.IsNullOrWhiteSpace(certificateFile))
        {
            return section["KeyFile"] is { Length: > 0 } || section["TrustedCertificatesFile"] is { Length: > 0 }
                ? throw new InvalidOperationException($"{Section}:CertificateFile must be set when {Section}:KeyFile or {Section}:TrustedCertificatesFile is.")
                : null;
        }

        var certificate = Load($"{Section}:CertificateFile", certificateFile, () => certificateFile.EndsWith(".pfx", StringComparison.OrdinalIgnoreCase) || certificateFile.EndsWith(".p12", StringComparison.OrdinalIgnoreCase)
            ? X509CertificateLoader.LoadPkcs12FromFile(certificateFile, section["CertificatePassword"])
            : X509Certificate2.CreateFromPemFile(certificateFile, section["KeyFile"] is { Length: > 0 } key ? key : null));
        if (!certificate.HasPrivateKey)
        {
            throw new InvalidOperationException($"{Section}:CertificateFile: {certificateFile} holds no private key; give it in {Section}:KeyFile or use a .pfx.");
        }

        X509Certificate2Collection? trusted = null;
        if (section["TrustedCertificatesFile"] is { Length: > 0 } trustedFile)
        {
            trusted = Load($"{Section}:TrustedCertificatesFile", trustedFile, () =>
            {
                var authorities = new X509Certificate2Collection();
                authorities.ImportFromPemFile(trustedFile);
                return authorities.Count > 0 ? authorities : throw new CryptographicException("it holds no certificate");
            });
        }

        return new ClusterTls(certificate, trusted);
    }

    /// <summary>The same settings for a silo and for a client: present our certificate, require and check theirs.</summary>
    public void Configure(TlsOptions options)
    {
        options.LocalCertificate = Certificate;
        options.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.RemoteCertificateValidation = Accepts;
    }

    /// <summary>
    /// Whether a peer's certificate is one of ours. Silos dial each other by IP address, so the name in the certificate
    /// is not what is checked: the issuer, or the certificate itself, is.
    /// </summary>
    public bool Accepts(X509Certificate2 remote, X509Chain? chain, SslPolicyErrors errors)
    {
        if (Trusted is null)
        {
            return remote.RawData.AsSpan().SequenceEqual(Certificate.RawData);
        }

        using var ours = new X509Chain();
        ours.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        ours.ChainPolicy.CustomTrustStore.AddRange(Trusted);
        ours.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            // The intermediate authorities the peer sent, so a certificate issued below the trusted root is accepted.
            ours.ChainPolicy.ExtraStore.AddRange(chain.ChainElements.Select(element => element.Certificate).Where(c => !c.RawData.AsSpan().SequenceEqual(remote.RawData)).ToArray());
        }

        return ours.Build(remote);
    }

    private static T Load<T>(string key, string file, Func<T> load)
    {
        try
        {
            return load();
        }
        catch (Exception exception) when (exception is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new InvalidOperationException($"{key}: {file} could not be read as a certificate: {exception.Message}", exception);
        }
    }
}
