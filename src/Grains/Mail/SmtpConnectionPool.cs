using System.Collections.Concurrent;
using System.Net.Sockets;
using MailKit.Net.Smtp;
using MailKit.Security;
using Orleans.Recovery.Telemetry;

namespace Orleans.Recovery.Mail;

/// <summary>
/// At most <see cref="SmtpOptions.MaxConnections"/> sessions with the relay, kept open between messages: a burst no
/// longer pays a connection and greeting per message (bench/: +17 %).
/// </summary>
internal sealed class SmtpConnectionPool(SmtpOptions options, TimeProvider clock, RecoveryMetrics? metrics = null) : IDisposable
{
    /// <summary>An idle connection older than this is closed rather than reused: relays drop idle sessions after a few minutes.</summary>
    private static readonly TimeSpan IdleLimit = TimeSpan.FromSeconds(30);

    /// <summary>Messages per connection before it is closed: some relays cap a session, and a fresh one spreads load behind a balancer.</summary>
    private const int MessagesPerConnection = 100;

    private readonly SemaphoreSlim _connections = Observed(new SemaphoreSlim(options.MaxConnections), options.MaxConnections, metrics);
    private readonly ConcurrentStack<SmtpConnection> _idle = new();

    /// <summary>The relay, for logs: its host and port, without credentials.</summary>
    public string Relay => $"smtp://{options.Host}:{options.EffectivePort}";

    /// <summary>Waits for one of the connection slots; each taken slot must be given back with <see cref="Release"/>.</summary>
    public Task WaitAsync(CancellationToken cancellationToken) => _connections.WaitAsync(cancellationToken);

    public void Release() => _connections.Release();

    /// <summary>A session left open by an earlier message, unless each is too old or lost; null when none is left.</summary>
    public SmtpConnection? TakeIdle()
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

    /// <summary>A new session, connected and authenticated.</summary>
    public async Task<SmtpConnection> OpenAsync(CancellationToken cancellationToken) =>
        new(await ConnectAsync(cancellationToken), 0, clock.GetTimestamp());

    /// <summary>Keeps the session for the next message, or closes it once it carried its share.</summary>
    public void Return(SmtpConnection connection)
    {
        if (connection.Sent >= MessagesPerConnection)
        {
            _ = CloseAsync(connection.Client);
            return;
        }

        _idle.Push(connection with { IdleSince = clock.GetTimestamp() });
    }

    public void Dispose()
    {
        while (_idle.TryPop(out var connection))
        {
            connection.Client.Dispose();
        }

        _connections.Dispose();
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

    /// <summary>The connection slots, reported as connections in use when metrics are collected.</summary>
    private static SemaphoreSlim Observed(SemaphoreSlim slots, int max, RecoveryMetrics? metrics)
    {
        metrics?.ObserveSmtpConnections(() => max - slots.CurrentCount);
        return slots;
    }

    /// <summary>A session of its own, outside the pool's slots, with the configured TLS and credentials.</summary>
    public async Task<SmtpClient> ConnectAsync(CancellationToken cancellationToken)
    {
        var client = new SmtpClient { Timeout = (int)options.Timeout.TotalMilliseconds };
        try
        {
            var security = options.Security switch
            {
                SmtpSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
                SmtpSecurity.StartTls => SecureSocketOptions.StartTls,
                _ => SecureSocketOptions.None,
            };
            await client.ConnectAsync(await OpenSocketAsync(cancellationToken), options.Host!, options.EffectivePort, security, cancellationToken);
            if (!string.IsNullOrEmpty(options.Username))
            {
                await client.AuthenticateAsync(options.Username, options.Password ?? "", cancellationToken);
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
        timeout.CancelAfter(options.Timeout);
        try
        {
            await socket.ConnectAsync(options.Host!, options.EffectivePort, timeout.Token);
            return socket;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new TimeoutException($"No connection to {options.Host}:{options.EffectivePort} within {options.Timeout}.");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

/// <summary>A session with the relay: how many messages it carried, and since when it waits for the next.</summary>
internal sealed record SmtpConnection(SmtpClient Client, int Sent, long IdleSince);
