using System.Collections.Concurrent;
using System.Net.Sockets;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;
using Orleans.Recovery.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Reminders;

namespace Orleans.Recovery.Mail;

/// <summary>
/// Delivers through an SMTP relay with MailKit over at most <see cref="SmtpOptions.MaxConnections"/> connections,
/// kept open between messages: a burst no longer pays a connection and greeting per message (bench/: +17 %).
/// Readiness asks whether the relay is reachable; the answer is what the last session found, for
/// <see cref="MailCheckOptions.MailCheckInterval"/>, so a flood of probes opens at most one session.
/// </summary>
public sealed partial class SmtpMailTransport(IOptions<SmtpOptions> options, IOptions<MailCheckOptions> checks, [FromKeyedServices(ReminderTimeProviderNames.Reminders)] TimeProvider clock, ILogger<SmtpMailTransport> logger, RecoveryMetrics? metrics = null) : IMailTransport, IDisposable
{
    /// <summary>An idle connection older than this is closed rather than reused: relays drop idle sessions after a few minutes.</summary>
    private static readonly TimeSpan IdleLimit = TimeSpan.FromSeconds(30);

    /// <summary>Messages per connection before it is closed: some relays cap a session, and a fresh one spreads load behind a balancer.</summary>
    private const int MessagesPerConnection = 100;

    private readonly SmtpOptions _options = options.Value;
    private readonly SemaphoreSlim _connections = Observed(new SemaphoreSlim(options.Value.MaxConnections), options.Value.MaxConnections, metrics);
    private readonly ConcurrentStack<Connection> _idle = new();
    private readonly Lock _probing = new();
    private Observation? _lastSeen;
    private Task<bool>? _probe;

    public string Name => $"smtp://{_options.Host}:{_options.EffectivePort}";

    public async Task SendAsync(MimeMessage message, MailboxAddress? returnPath, HandOff handOff, CancellationToken cancellationToken)
    {
        var envelope = new Envelope(returnPath ?? message.From.Mailboxes.First(), [.. message.To.Mailboxes, .. message.Cc.Mailboxes, .. message.Bcc.Mailboxes]);
        // One budget for the wait for a connection, the connection itself and the last check: past it the message
        // goes back to its outbox, to be checked afresh, instead of reaching a shopper who has since bought.
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(handOff.Within);
        await Within(handOff, cancellationToken, () => _connections.WaitAsync(budget.Token));
        try
        {
            var connection = TakeIdle() ?? await Within(handOff, cancellationToken, () => OpenAsync(budget.Token));
            try
            {
                if (await Within(handOff, cancellationToken, () => handOff.LastCheck(budget.Token)) is { } reason)
                {
                    ReturnToPool(connection);
                    throw new HandOffWithheldException(reason);
                }
            }
            catch (Exception exception) when (exception is not HandOffWithheldException)
            {
                ReturnToPool(connection);
                throw;
            }

            var progress = new DataProgress();
            var started = clock.GetTimestamp();
            try
            {
                // Not cancellable: once the message is going over, it is the relay's.
                await connection.Client.SendAsync(message, envelope.Sender, envelope.Recipients, CancellationToken.None, progress);
                metrics?.SmtpSent(clock.GetElapsedTime(started), delivered: true);
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
                metrics?.SmtpSent(clock.GetElapsedTime(started), delivered: false);

                // Possibly after DATA: the relay may hold the message, so it is never sent again on the spot. It goes
                // back to its outbox like any transient failure, and keeps its Message-ID for receivers to drop a copy.
                connection.Client.Dispose();
                throw;
            }

            Observe(reachable: true);
            ReturnToPool(connection with { Sent = connection.Sent + 1 });
        }
        finally
        {
            _connections.Release();
        }
    }

    private async Task SendOnAsync(Connection connection, MimeMessage message, Envelope envelope)
    {
        var started = clock.GetTimestamp();
        try
        {
            await connection.Client.SendAsync(message, envelope.Sender, envelope.Recipients, CancellationToken.None);
            metrics?.SmtpSent(clock.GetElapsedTime(started), delivered: true);
        }
        catch
        {
            metrics?.SmtpSent(clock.GetElapsedTime(started), delivered: false);
            connection.Client.Dispose();
            throw;
        }

        Observe(reachable: true);
        ReturnToPool(connection with { Sent = connection.Sent + 1 });
    }

    private async Task<Connection> OpenAsync(CancellationToken cancellationToken)
    {
        try
        {
            return new Connection(await ConnectAsync(cancellationToken), 0, clock.GetTimestamp());
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Observe(reachable: false);
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

    /// <summary>Notes whether any of the message's data went over, which MailKit reports only once DATA began.</summary>
    private sealed class DataProgress : MailKit.ITransferProgress
    {
        public bool Started { get; private set; }

        public void Report(long bytesTransferred, long totalSize) => Started = true;

        public void Report(long bytesTransferred) => Started = true;
    }

    public void Dispose()
    {
        while (_idle.TryPop(out var connection))
        {
            connection.Client.Dispose();
        }

        _connections.Dispose();
    }

    private Connection? TakeIdle()
    {
        while (_idle.TryPop(out var connection))
        {
            if (connection.Client.IsConnected && clock.GetElapsedTime(connection.IdleSince) < IdleLimit)
            {
                return connection;
            }

            connection.Client.Dispose();
        }

        return null;
    }

    private void ReturnToPool(Connection connection)
    {
        if (connection.Sent >= MessagesPerConnection)
        {
            _ = CloseAsync(connection.Client);
            return;
        }

        _idle.Push(connection with { IdleSince = clock.GetTimestamp() });
    }

    private static async Task CloseAsync(SmtpClient client)
    {
        using (client)
        {
            try
            {
                await client.DisconnectAsync(quit: true);
            }
            catch (Exception exception) when (exception is IOException or SocketException or SmtpProtocolException or MailKit.ServiceNotConnectedException)
            {
            }
        }
    }

    /// <summary>Failures of a reused session that mean the relay closed it, not that it refused the message.</summary>
    private static bool IsClosedByRelay(Exception exception) => exception is IOException or SocketException or SmtpProtocolException
        or MailKit.ServiceNotConnectedException
        || exception is SmtpCommandException { StatusCode: SmtpStatusCode.ServiceNotAvailable };

    private sealed record Connection(SmtpClient Client, int Sent, long IdleSince);

    /// <summary>The connection slots, reported as connections in use when metrics are collected.</summary>
    private static SemaphoreSlim Observed(SemaphoreSlim slots, int max, RecoveryMetrics? metrics)
    {
        metrics?.ObserveSmtpConnections(() => max - slots.CurrentCount);
        return slots;
    }

    public Task<bool> IsReachableAsync(CancellationToken cancellationToken)
    {
        if (_lastSeen is { } seen && clock.GetElapsedTime(seen.At) < checks.Value.MailCheckInterval)
        {
            return Task.FromResult(seen.Reachable);
        }

        // Probes that arrive together share one session.
        Task<bool> probe;
        lock (_probing)
        {
            if (_probe is null || _probe.IsCompleted)
            {
                // On the thread pool: the caller is a grain, and the probe must not run on one activation's scheduler.
                _probe = Task.Run(ProbeAsync);
            }

            probe = _probe;
        }

        return probe.WaitAsync(cancellationToken);
    }

    private async Task<bool> ProbeAsync()
    {
        // Not the caller's token: callers share this probe, and one giving up must not fail the others'.
        using var timeout = new CancellationTokenSource(_options.Timeout);
        var started = clock.GetTimestamp();
        try
        {
            using var client = await ConnectAsync(timeout.Token);
            await client.NoOpAsync(timeout.Token);
            await client.DisconnectAsync(quit: true, timeout.Token);
            Observe(reachable: true, started);
            return true;
        }
        catch (Exception exception)
        {
            LogUnreachable(Name, exception.GetType().Name, exception.Message);
            Observe(reachable: false, started);
            return false;
        }
    }

    /// <summary>Records what the relay did at <paramref name="at"/>, unless something seen later is already known.</summary>
    private void Observe(bool reachable, long? at = null)
    {
        var observation = new Observation(reachable, at ?? clock.GetTimestamp());
        lock (_probing)
        {
            if (_lastSeen is null || _lastSeen.At <= observation.At)
            {
                _lastSeen = observation;
            }
        }
    }

    private sealed record Observation(bool Reachable, long At);

    private async Task<SmtpClient> ConnectAsync(CancellationToken cancellationToken)
    {
        var client = new SmtpClient { Timeout = (int)_options.Timeout.TotalMilliseconds };
        try
        {
            var security = _options.Security switch
            {
                SmtpSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
                SmtpSecurity.StartTls => SecureSocketOptions.StartTls,
                _ => SecureSocketOptions.None,
            };
            await client.ConnectAsync(await OpenSocketAsync(cancellationToken), _options.Host!, _options.EffectivePort, security, cancellationToken);
            if (!string.IsNullOrEmpty(_options.Username))
            {
                await client.AuthenticateAsync(_options.Username, _options.Password ?? "", cancellationToken);
            }

            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A connected socket with Nagle's algorithm off. MailKit writes a message's end in a small write of its own;
    /// with Nagle on, that write waits for the relay's delayed acknowledgement, 40 ms per message on Linux, which
    /// capped a silo at about 20 messages a second per connection (bench/: delivery).
    /// </summary>
    private async Task<Socket> OpenSocketAsync(CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.Timeout);
        try
        {
            await socket.ConnectAsync(_options.Host!, _options.EffectivePort, timeout.Token);
            return socket;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new TimeoutException($"No connection to {_options.Host}:{_options.EffectivePort} within {_options.Timeout}.");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The SMTP relay {Relay} did not answer the readiness probe: {Error}: {Detail}")]
    private partial void LogUnreachable(string relay, string error, string detail);

    /// <summary>MAIL FROM and RCPT TO: the return path where bounces go, and the message's recipients.</summary>
    private sealed record Envelope(MailboxAddress Sender, MailboxAddress[] Recipients);
}
