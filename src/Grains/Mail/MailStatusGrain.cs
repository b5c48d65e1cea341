using Orleans.Concurrency;

namespace Orleans.Recovery.Mail;

/// <summary>Whether a silo can deliver mail right now. The API's readiness check asks a silo, because silos send the mail.</summary>
public interface IMailStatusGrain : IGrainWithIntegerKey
{
    Task<MailStatus> CheckAsync();

    /// <summary>The bounce mailbox as this silo's last read found it, without probing the relay.</summary>
    Task<BounceMailboxCheck> CheckBounceMailboxAsync();
}

/// <summary>Whether a bounce mailbox is configured, and what its last read found (null before the first read ends).</summary>
[GenerateSerializer, Immutable, Alias("bounce-mailbox-check")]
public sealed record BounceMailboxCheck([property: Id(0)] bool Configured, [property: Id(1)] Bounces.BounceMailboxStatus? Status);

/// <summary>
/// The transport's description (no credentials, but the relay's host and port), whether it answered, and the DKIM record
/// the silo signs for, which the operator publishes in DNS.
/// </summary>
[GenerateSerializer, Immutable, Alias("mail-status")]
public sealed record MailStatus([property: Id(0)] string Transport, [property: Id(1)] bool Reachable, [property: Id(2)] DkimRecord? Dkim = null);

/// <summary>A stateless worker: it runs on whichever silo takes the call, next to that silo's transport.</summary>
[StatelessWorker]
public sealed class MailStatusGrain(IMailTransport transport, DkimSigning dkim, Bounces.BounceMailbox bounces, Microsoft.Extensions.Options.IOptions<Bounces.BounceOptions> bounceOptions) : Grain, IMailStatusGrain
{
    public async Task<MailStatus> CheckAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        return new MailStatus(transport.Name, await transport.IsReachableAsync(timeout.Token), dkim.Record);
    }

    public Task<BounceMailboxCheck> CheckBounceMailboxAsync() => Task.FromResult(new BounceMailboxCheck(bounceOptions.Value.Imap.Enabled, bounces.Status));
}
