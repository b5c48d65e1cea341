using MailKit;
using MailKit.Net.Imap;
using System.Text;
using MailKit.Search;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Reminders;

namespace Orleans.Recovery.Mail.Bounces;

/// <summary>What the bounce mailbox's last read found, for the readiness check.</summary>
[GenerateSerializer, Immutable, Alias("bounce-mailbox-status")]
public sealed record BounceMailboxStatus(
    [property: Id(0)] string Mailbox,
    [property: Id(1)] bool Reachable,
    [property: Id(2)] string? Problem,
    [property: Id(3)] DateTimeOffset? LastReadAt,
    [property: Id(4)] int Processed);

/// <summary>
/// Reads the bounce mailbox every <c>Recovery:Bounces:Imap:PollInterval</c> with MailKit's IMAP client: each message is
/// read, applied, then moved to the processed folder, in that order, so a process that stops halfway reads it again
/// (and the grains count a report once). A message that cannot be applied now (the database is down) stays for the next
/// read. A mailbox that cannot be reached is reported to readiness and logged; sending goes on regardless.
/// </summary>
public sealed partial class BounceMailbox(
    IOptions<BounceOptions> options,
    MailEvents events,
    [FromKeyedServices(ReminderTimeProviderNames.Reminders)] TimeProvider clock,
    ILogger<BounceMailbox> logger) : BackgroundService
{
    /// <summary>Messages read per pass: a flood of bounces is worked through over several passes, not in one long session.</summary>
    private const int MessagesPerPass = 200;

    private readonly BounceMailboxOptions _imap = options.Value.Imap;
    private volatile BounceMailboxStatus? _status;
    private int _processed;

    /// <summary>Null until the first read ends, or when no mailbox is configured.</summary>
    public BounceMailboxStatus? Status => _status;

    private string Description => $"imap://{_imap.Host}:{_imap.EffectivePort}/{_imap.Folder}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_imap.Enabled)
        {
            return;
        }

        // The poll interval is the mailbox's, not the business clock's: real time between reads.
        using var timer = new PeriodicTimer(_imap.PollInterval);
        do
        {
            try
            {
                var read = await ReadOnceAsync(stoppingToken);
                _processed += read;
                _status = new BounceMailboxStatus(Description, true, null, clock.GetUtcNow(), _processed);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                _status = new BounceMailboxStatus(Description, false, $"{exception.GetType().Name}: {exception.Message}", _status?.LastReadAt, _processed);
                LogUnreachable(Description, exception.GetType().Name, exception.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    /// <summary>One pass over the mailbox; returns how many messages were applied and moved.</summary>
    public async Task<int> ReadOnceAsync(CancellationToken cancellationToken)
    {
        using var client = new ImapClient { Timeout = 30_000 };
        await client.ConnectAsync(_imap.Host!, _imap.EffectivePort, _imap.Security, cancellationToken);
        await client.AuthenticateAsync(_imap.Username!, _imap.Password!, cancellationToken);
        var folder = await client.GetFolderAsync(_imap.Folder, cancellationToken);
        var processed = await ProcessedFolderAsync(client, cancellationToken);
        await folder.OpenAsync(FolderAccess.ReadWrite, cancellationToken);

        var count = 0;
        foreach (var uid in (await folder.SearchAsync(SearchQuery.All, cancellationToken)).Take(MessagesPerPass))
        {
            IReadOnlyList<MailEvent> reported;
            try
            {
                var message = await folder.GetMessageAsync(uid, cancellationToken);
                reported = BounceReports.Read(message, events.IsOurToken, clock.GetUtcNow());
            }
            catch (Exception exception) when (exception is FormatException or MimeKit.ParseException or ArgumentException or InvalidOperationException or DecoderFallbackException)
            {
                // A message that cannot be read now never can: it goes to the processed folder for a person to look
                // at, rather than standing in front of every bounce behind it on every read.
                LogUnreadable(uid.Id, exception.GetType().Name);
                reported = [];
            }

            // Applying may fail for a while (the database is down): then the pass ends here, and the message is read again.
            foreach (var mailEvent in reported)
            {
                await events.RecordAsync(mailEvent);
            }

            if (reported.Count == 0)
            {
                LogNotABounce(uid.Id);
            }

            await folder.MoveToAsync(uid, processed, cancellationToken);
            count++;
        }

        await client.DisconnectAsync(quit: true, cancellationToken);
        return count;
    }

    /// <summary>The processed folder, created beside the personal namespace's top folders when it is missing.</summary>
    private async Task<IMailFolder> ProcessedFolderAsync(ImapClient client, CancellationToken cancellationToken)
    {
        try
        {
            return await client.GetFolderAsync(_imap.ProcessedFolder, cancellationToken);
        }
        catch (FolderNotFoundException)
        {
            var root = client.GetFolder(client.PersonalNamespaces[0]);
            return await root.CreateAsync(_imap.ProcessedFolder, isMessageFolder: true, cancellationToken)
                ?? throw new FolderNotFoundException(_imap.ProcessedFolder);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The bounce mailbox {Mailbox} could not be read: {ErrorKind} {Error}. Mail is sent regardless; bounces wait in the mailbox.")]
    private partial void LogUnreachable(string mailbox, string errorKind, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Bounce mailbox message {Uid} could not be read ({ErrorKind}): moved to the processed folder for a person to look at")]
    private partial void LogUnreadable(uint uid, string errorKind);

    [LoggerMessage(Level = LogLevel.Information, Message = "Bounce mailbox message {Uid} is no bounce or complaint (an auto-reply, a success notice): moved without effect")]
    private partial void LogNotABounce(uint uid);
}
