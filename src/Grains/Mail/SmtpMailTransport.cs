using System.Net.Sockets;
using MailKit.Net.Smtp;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;
using Orleans.Recovery.Telemetry;
using Orleans.Reminders;

namespace Orleans.Recovery.Mail;

/// <summary>
/// Delivers through an SMTP relay with MailKit, over the sessions a <see cref="SmtpConnectionPool"/> keeps open between
/// messages. Readiness asks the <see cref="RelayProbe"/>, which every delivery tells what the relay did.
/// </summary>
public sealed class SmtpMailTransport : IMailTransport, IDisposable
{
    private readonly SmtpConnectionPool _pool;
    private readonly RelayProbe _probe;
    private readonly TimeProvider _clock;
    private readonly RecoveryMetrics? _metrics;

    public SmtpMailTransport(IOptions<SmtpOptions> options, IOptions<MailCheckOptions> checks, [FromKeyedServices(ReminderTimeProviderNames.Reminders)] TimeProvider clock, ILogger<SmtpMailTransport> logger, RecoveryMetrics? metrics = null)
    {
        _pool = new SmtpConnectionPool(options.Value, clock, metrics);
        _probe = new RelayProbe(_pool, options.Value, checks, clock, logger);
        _clock = clock;
        _metrics = metrics;
    }

    public string Name => _pool.Relay;

    public async Task SendAsync(MimeMessage message, MailboxAddress? returnPath, HandOff handOff, CancellationToken cancellationToken)
    {
        var envelope = new Envelope(returnPath ?? message.From.Mailboxes.First(), [.. message.To.Mailboxes, .. message.Cc.Mailboxes, .. message.Bcc.Mailboxes]);
        // One budget for the wait for a connection, the connection itself and the last check: past it the message
        // goes back to its outbox, to be checked afresh, instead of reaching a shopper who has since bought.
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(handOff.Within);
        await Within(handOff, cancellationToken, () => _pool.WaitAsync(budget.Token));
        try
        {
            var connection = _pool.TakeIdle() ?? await Within(handOff, cancellationToken, () => OpenAsync(budget.Token));
            try
            {
                if (await Within(handOff, cancellationToken, () => handOff.LastCheck(budget.Token)) is { } reason)
                {
                    _pool.Return(connection);
                    throw new HandOffWithheldException(reason);
                }
            }
            catch (Exception exception) when (exception is not HandOffWithheldException)
            {
                _pool.Return(connection);
                throw;
            }

            var progress = new DataProgress();
            var started = _clock.GetTimestamp();
            try
            {
                // Not cancellable: once the message is going over, it is the relay's.
                await connection.Client.SendAsync(message, envelope.Sender, envelope.Recipients, CancellationToken.None, progress);
                _metrics?.SmtpSent(_clock.GetElapsedTime(started), delivered: true);
            }
            catch (Exception exception) when (connection.Sent > 0 && !progress.Started && IsClosedByRelay(exception))
            {
                // The relay ended the session while it sat idle, before any of the message went over: a fresh session.
                connection.Client.Dispose();
                connection = await Within(handOff, cancellationToken, () => OpenAsync(budget.Token));
                await SendOnAsync(connection, message, envelope);
                return;
            }
            catch
            {
                _metrics?.SmtpSent(_clock.GetElapsedTime(started), delivered: false);

                // Possibly after DATA: the relay may hold the message, so it is never sent again on the spot. It goes
                // back to its outbox like any transient failure, and keeps its Message-ID for receivers to drop a copy.
                connection.Client.Dispose();
                throw;
            }

            _probe.Observe(reachable: true);
            _pool.Return(connection with { Sent = connection.Sent + 1 });
        }
        finally
        {
            _pool.Release();
        }
    }

    public Task<bool> IsReachableAsync(CancellationToken cancellationToken) => _probe.IsReachableAsync(cancellationToken);

    public void Dispose() => _pool.Dispose();

    private async Task SendOnAsync(SmtpConnection connection, MimeMessage message, Envelope envelope)
    {
        var started = _clock.GetTimestamp();
        try
        {
            await connection.Client.SendAsync(message, envelope.Sender, envelope.Recipients, CancellationToken.None);
            _metrics?.SmtpSent(_clock.GetElapsedTime(started), delivered: true);
        }
        catch
        {
            _metrics?.SmtpSent(_clock.GetElapsedTime(started), delivered: false);
            connection.Client.Dispose();
            throw;
        }

        _probe.Observe(reachable: true);
        _pool.Return(connection with { Sent = connection.Sent + 1 });
    }

    /// <summary>A new session; a relay that cannot be reached is what readiness reports next.</summary>
    private async Task<SmtpConnection> OpenAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _pool.OpenAsync(cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _probe.Observe(reachable: false);
            throw;
        }
    }

    /// <summary>Runs one step of the hand-off, turning the end of its budget into <see cref="HandOffTimeoutException"/>.</summary>
    private static async Task<T> Within<T>(HandOff handOff, CancellationToken withdrawn, Func<Task<T>> step)
    {
        try
        {
            return await step();
        }
        catch (OperationCanceledException) when (!withdrawn.IsCancellationRequested)
        {
            throw new HandOffTimeoutException(handOff.Within);
        }
    }

    private static Task Within(HandOff handOff, CancellationToken withdrawn, Func<Task> step) =>
        Within(handOff, withdrawn, async () =>
        {
            await step();
            return true;
        });

    /// <summary>Failures of a reused session that mean the relay closed it, not that it refused the message.</summary>
    private static bool IsClosedByRelay(Exception exception) => exception is IOException or SocketException or SmtpProtocolException
        or MailKit.ServiceNotConnectedException
        || exception is SmtpCommandException { StatusCode: SmtpStatusCode.ServiceNotAvailable };

    /// <summary>Notes whether any of the message's data went over, which MailKit reports only once DATA began.</summary>
    private sealed class DataProgress : MailKit.ITransferProgress
    {
        public bool Started { get; private set; }

        public void Report(long bytesTransferred, long totalSize) => Started = true;

        public void Report(long bytesTransferred) => Started = true;
    }

    /// <summary>MAIL FROM and RCPT TO: the return path where bounces go, and the message's recipients.</summary>
    private sealed record Envelope(MailboxAddress Sender, MailboxAddress[] Recipients);
}
