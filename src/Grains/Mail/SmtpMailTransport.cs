using System.Net.Sockets;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Orleans.Recovery.Mail;

/// <summary>Delivers through an SMTP relay with MailKit, one connection per message, at most <see cref="SmtpOptions.MaxConnections"/> at once.</summary>
public sealed partial class SmtpMailTransport(IOptions<SmtpOptions> options, ILogger<SmtpMailTransport> logger) : IMailTransport, IDisposable
{
    private readonly SmtpOptions _options = options.Value;
    private readonly SemaphoreSlim _connections = new(options.Value.MaxConnections);

    public string Name => $"smtp://{_options.Host}:{_options.EffectivePort}";

    public async Task SendAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        await _connections.WaitAsync(cancellationToken);
        try
        {
            using var client = await ConnectAsync(cancellationToken);
            await client.SendAsync(message, cancellationToken);
            await client.DisconnectAsync(quit: true, cancellationToken);
        }
        finally
        {
            _connections.Release();
        }
    }

    public void Dispose() => _connections.Dispose();

    public async Task<bool> IsReachableAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var client = await ConnectAsync(cancellationToken);
            await client.NoOpAsync(cancellationToken);
            await client.DisconnectAsync(quit: true, cancellationToken);
            return true;
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogUnreachable(Name, exception.GetType().Name, exception.Message);
            return false;
        }
    }

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
}
