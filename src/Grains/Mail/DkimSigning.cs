using Microsoft.Extensions.Options;
using MimeKit;
using MimeKit.Cryptography;

namespace Orleans.Recovery.Mail;

/// <summary>
/// Signs every outgoing message with DKIM when <c>Recovery:Dkim</c> is set: relaxed/relaxed, over the headers mailbox
/// providers ask to be covered, the one-click unsubscribe's among them. The message is made 7-bit first, so no relay
/// re-encodes it on the way and breaks the signature.
/// </summary>
public sealed class DkimSigning
{
    /// <summary>What the signature covers; a header a message lacks is signed as absent, so nobody can add it later.</summary>
    public static readonly IReadOnlyList<string> SignedHeaders =
    [
        "From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type", "Reply-To", "List-Unsubscribe", "List-Unsubscribe-Post",
    ];

    private readonly DkimSigner? _signer;

    public DkimSigning(IOptions<DkimOptions> options)
    {
        var settings = options.Value;
        if (!settings.Enabled)
        {
            return;
        }

        Key = DkimKey.Read(settings.PrivateKeyFile!);
        Record = new DkimRecord($"{settings.Selector}._domainkey.{settings.Domain}", Key.TxtRecord, settings.Domain!, settings.Selector!, DkimKey.Name(Key.Algorithm));
        _signer = new DkimSigner(Key.PrivateKey, settings.Domain!, settings.Selector!, Key.Algorithm)
        {
            HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
            BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
        };
    }

    public DkimKey? Key { get; }

    /// <summary>The DNS record to publish, or null while signing is off.</summary>
    public DkimRecord? Record { get; }

    public bool Enabled => _signer is not null;

    public void Sign(MimeMessage message)
    {
        if (_signer is null)
        {
            return;
        }

        message.Prepare(EncodingConstraint.SevenBit, 78);
        _signer.Sign(message, [.. SignedHeaders]);
    }
}

/// <summary>The DKIM record the operator publishes: its name, its TXT value, and what signs with it.</summary>
[GenerateSerializer, Immutable, Alias("dkim-record")]
public sealed record DkimRecord(
    [property: Id(0)] string Name,
    [property: Id(1)] string Value,
    [property: Id(2)] string Domain,
    [property: Id(3)] string Selector,
    [property: Id(4)] string Algorithm);
