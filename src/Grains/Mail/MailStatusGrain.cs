using Orleans.Concurrency;

namespace Orleans.Recovery.Mail;

/// <summary>Whether a silo can deliver mail right now. The API's readiness check asks a silo, because silos send the mail.</summary>
public interface IMailStatusGrain : IGrainWithIntegerKey
{
    Task<MailStatus> CheckAsync();
}

/// <summary>
/// The transport's description (no credentials, but the relay's host and port), whether it answered, and the DKIM record
/// the silo signs for, which the operator publishes in DNS.
/// </summary>
[GenerateSerializer, Immutable, Alias("mail-status")]
public sealed record MailStatus([property: Id(0)] string Transport, [property: Id(1)] bool Reachable, [property: Id(2)] DkimRecord? Dkim = null)
{
    /// <summary>The bounce mailbox this silo reads, as its last read found it; null when none is configured or none ended yet.</summary>
    [Id(3)] public Bounces.BounceMailboxStatus? Bounces { get; init; }

    /// <summary>True when a bounce mailbox is configured.</summary>
    [Id(4)] public bool BounceMailboxConfigured { get; init; }
}

/// <summary>A stateless worker: it runs on whichever silo takes the call, next to that silo's transport.</summary>
[StatelessWorker]
public sealed class MailStatusGrain(IMailTransport transport, DkimSigning dkim, Bounces.BounceMailbox bounces, Microsoft.Extensions.Options.IOptions<Bounces.BounceOptions> bounceOptions) : Grain, IMailStatusGrain
{
    public async Task<MailStatus> CheckAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        return new MailStatus(transport.Name, await transport.IsReachableAsync(timeout.Token), dkim.Record)
        {
            Bounces = bounces.Status,
            BounceMailboxConfigured = bounceOptions.Value.Imap.Enabled,
        };
    }
}
