using MimeKit;

namespace Orleans.Recovery.Mail;

/// <summary>Where delivered mail goes: an SMTP relay, or a pickup directory of .eml files.</summary>
public interface IMailTransport
{
    /// <summary>A short description for logs, without credentials.</summary>
    string Name { get; }

    /// <summary>
    /// Delivers the message on the terms of <paramref name="handOff"/>; throws MailKit's exceptions on failure so the
    /// caller can classify them, <see cref="HandOffWithheldException"/> when the last check refused it, and
    /// <see cref="HandOffTimeoutException"/> when no connection was ready in time. Cancelling stops it only before the
    /// hand-off: once the relay has the message, it is delivered. <paramref name="returnPath"/> is the envelope sender,
    /// where bounces go; null for the From address.
    /// </summary>
    Task SendAsync(MimeMessage message, MailboxAddress? returnPath, HandOff handOff, CancellationToken cancellationToken);

    /// <summary>
    /// Whether mail could be delivered right now, for the readiness check. Probes are public and frequent: a transport
    /// answers from what it saw recently rather than opening a session each time.
    /// </summary>
    Task<bool> IsReachableAsync(CancellationToken cancellationToken);
}
