using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.IO.Pipelines;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Orleans.Recovery.Testing;
using SmtpServer;
using SmtpServer.IO;
using SmtpServer.Net;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace Orleans.Recovery.Bench;

/// <summary>
/// A real SMTP server on loopback that only counts and timestamps what it accepts, so it costs less than any
/// sender it measures. It keeps the first message whole: the floor resends it, already rendered.
/// </summary>
public sealed class CountingSmtpServer : IAsyncDisposable
{
    private readonly ConcurrentQueue<long> _accepted = new();
    private readonly ConcurrentQueue<AcceptedMessage> _messages = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly bool _recordsMessages;
    private Task? _running;
    private byte[]? _first;

    private CountingSmtpServer(int port, bool recordsMessages)
    {
        Port = port;
        _recordsMessages = recordsMessages;
    }

    public int Port { get; }

    public int Count => _accepted.Count;

    public byte[]? FirstMessage => _first;

    /// <summary>When each message was accepted, in Stopwatch ticks.</summary>
    public IReadOnlyCollection<long> AcceptedAt => _accepted;

    /// <summary>Each message's recipient and Message-ID header, when started with <c>recordsMessages</c>.</summary>
    public IReadOnlyCollection<AcceptedMessage> Messages => _messages;

    /// <param name="recordsMessages">
    /// Also keep each message's recipient and Message-ID, to find a message sent twice or never. Off by default: the
    /// throughput measurements keep the server as cheap as it was.
    /// </param>
    public static CountingSmtpServer Start(bool recordsMessages = false)
    {
        var server = new CountingSmtpServer(FreePort.Next(), recordsMessages);
        var options = new SmtpServerOptionsBuilder()
            .ServerName("localhost")
            .Endpoint(endpoint => endpoint.Endpoint(new IPEndPoint(IPAddress.Loopback, server.Port)))
            .Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(new Store(server));
        services.Add(new NoDelayListeners());
        server._running = new SmtpServer.SmtpServer(options, services).StartAsync(server._stop.Token);
        return server;
    }

    public void Reset()
    {
        _accepted.Clear();
        _messages.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _running!;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    /// <summary>
    /// Accepts connections with Nagle's algorithm off, as production MTAs do. With it on, each reply waits for the
    /// client's delayed acknowledgement (40 ms on Linux loopback) and the server, not the sender, sets the pace.
    /// </summary>
    private sealed class NoDelayListeners : IEndpointListenerFactory
    {
        public IEndpointListener CreateListener(IEndpointDefinition endpointDefinition)
        {
            var listener = new TcpListener(endpointDefinition.Endpoint);
            listener.Start();
            return new Listener(listener);
        }

        private sealed class Listener(TcpListener listener) : IEndpointListener
        {
            public async Task<ISecurableDuplexPipe> GetPipeAsync(ISessionContext context, CancellationToken cancellationToken)
            {
                var client = await listener.AcceptTcpClientAsync(cancellationToken);
                client.NoDelay = true;
                return new PlainPipe(client);
            }

            public void Dispose() => listener.Stop();
        }

        /// <summary>A plain TCP connection as SmtpServer's pipe; the bench never upgrades to TLS.</summary>
        private sealed class PlainPipe(TcpClient client) : ISecurableDuplexPipe
        {
            public PipeReader Input { get; } = PipeReader.Create(client.GetStream());

            public PipeWriter Output { get; } = PipeWriter.Create(client.GetStream());

            public bool IsSecure => false;

            public SslProtocols SslProtocol => SslProtocols.None;

            public Task UpgradeAsync(X509Certificate certificate, SslProtocols protocols, CancellationToken cancellationToken = default) =>
                throw new NotSupportedException("The bench's SMTP server offers no TLS.");

            public void Dispose() => client.Dispose();
        }
    }

    private sealed class Store(CountingSmtpServer server) : MessageStore
    {
        public override Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            var at = Stopwatch.GetTimestamp();
            server._accepted.Enqueue(at);
            if (server._recordsMessages)
            {
                foreach (var to in transaction.To)
                {
                    server._messages.Enqueue(new AcceptedMessage(at, $"{to.User}@{to.Host}", MessageIdOf(buffer)));
                }
            }

            if (server._first is null)
            {
                Interlocked.CompareExchange(ref server._first, buffer.ToArray(), null);
            }

            return Task.FromResult(SmtpResponse.Ok);
        }

        /// <summary>The Message-ID header's value, from the header block only; folded lines are joined as RFC 5322 says.</summary>
        private static string? MessageIdOf(ReadOnlySequence<byte> buffer)
        {
            var text = System.Text.Encoding.ASCII.GetString((buffer.Length > 16_384 ? buffer.Slice(0, 16_384) : buffer).ToArray());
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            var lines = (end < 0 ? text : text[..end]).Split("\r\n");
            for (var i = 0; i < lines.Length; i++)
            {
                if (lines[i].StartsWith("Message-ID:", StringComparison.OrdinalIgnoreCase))
                {
                    var value = lines[i]["Message-ID:".Length..];
                    while (i + 1 < lines.Length && lines[i + 1].Length > 0 && lines[i + 1][0] is ' ' or '\t')
                    {
                        value += lines[++i];
                    }

                    return value.Trim();
                }
            }

            return null;
        }
    }
}

/// <summary>One message as the relay accepted it: when (Stopwatch ticks), to whom, and its Message-ID header.</summary>
public sealed record AcceptedMessage(long At, string Recipient, string? MessageId);
