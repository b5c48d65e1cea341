using MimeKit;

namespace Orleans.Recovery.Mail;

/// <summary>Where delivered mail goes: an SMTP relay, or a pickup directory of .eml files.</summary>
public interface IMailTransport
{
    /// <summary>A short description for logs, without credentials.</summary>
    string Name { get; }

    /// <summary>Delivers the message; throws MailKit's exceptions on failure so the caller can classify them.</summary>
    Task SendAsync(MimeMessage message, CancellationToken cancellationToken);

    /// <summary>
    /// Whether mail could be delivered right now, for the readiness check. Probes are public and frequent: a transport
    /// answers from what it saw recently rather than opening a session each time.
    /// </summary>
    Task<bool> IsReachableAsync(CancellationToken cancellationToken);
}
