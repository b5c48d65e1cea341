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
    private readonly CancellationTokenSource _stop = new();
    private Task? _running;
    private byte[]? _first;

    private CountingSmtpServer(int port) => Port = port;

    public int Port { get; }

    public int Count => _accepted.Count;

    public byte[]? FirstMessage => _first;

    /// <summary>When each message was accepted, in Stopwatch ticks.</summary>
    public IReadOnlyCollection<long> AcceptedAt => _accepted;

    public static CountingSmtpServer Start()
    {
        var server = new CountingSmtpServer(FreePort.Next());
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
            server._accepted.Enqueue(Stopwatch.GetTimestamp());
            if (server._first is null)
            {
                Interlocked.CompareExchange(ref server._first, buffer.ToArray(), null);
            }

            return Task.FromResult(SmtpResponse.Ok);
        }
    }
}
