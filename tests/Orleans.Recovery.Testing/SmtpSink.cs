using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using MimeKit;
using SmtpServer;
using SmtpServer.Mail;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace Orleans.Recovery.Testing;

/// <summary>
/// A real SMTP server on loopback that keeps what it receives. A recipient rule can refuse mail with any reply
/// code, which a real relay produces only when it is unhappy: the one fault we inject on purpose.
/// </summary>
public sealed class SmtpSink : IAsyncDisposable
{
    private readonly ConcurrentQueue<MimeMessage> _messages = new();
    private readonly ConditionalWeakTable<MimeMessage, byte[]> _raw = new();
    private readonly ConditionalWeakTable<MimeMessage, string> _envelopeFrom = new();
    private CancellationTokenSource? _stop;
    private int _sessions;
    private Task? _running;

    private SmtpSink(int port) => Port = port;

    public int Port { get; }

    public IReadOnlyCollection<MimeMessage> Messages => _messages;

    /// <summary>The bytes of a message exactly as the relay received them, for checks that must not re-serialize (DKIM).</summary>
    public byte[] RawOf(MimeMessage message) => _raw.TryGetValue(message, out var raw) ? raw : throw new ArgumentException("Not a message this sink received.", nameof(message));

    /// <summary>The envelope sender (MAIL FROM) a message came with: where its bounces go; empty for the null sender.</summary>
    public string EnvelopeFromOf(MimeMessage message) => _envelopeFrom.TryGetValue(message, out var from) ? from : throw new ArgumentException("Not a message this sink received.", nameof(message));

    /// <summary>SMTP sessions opened so far: a relay counts them against its connection and AUTH limits.</summary>
    public int Sessions => Volatile.Read(ref _sessions);

    /// <summary>Return a reply (e.g. 451 or 550) to refuse a recipient, or null to accept.</summary>
    public Func<string, SmtpResponse?> RecipientRule { get; set; } = _ => null;

    public static async Task<SmtpSink> StartAsync()
    {
        var sink = new SmtpSink(FreePort.Next());
        await sink.StartListeningAsync();
        return sink;
    }

    public IEnumerable<MimeMessage> To(string address) =>
        _messages.Where(m => m.To.Mailboxes.Any(to => to.Address.Equals(address, StringComparison.OrdinalIgnoreCase)));

    /// <summary>Waits until <paramref name="count"/> messages to <paramref name="address"/> have arrived.</summary>
    public async Task<IReadOnlyList<MimeMessage>> WaitForAsync(string address, int count = 1, TimeSpan? timeout = null)
    {
        await Eventually.TrueAsync(() => To(address).Count() >= count, timeout, $"{count} message(s) to {address}");
        return [.. To(address)];
    }

    /// <summary>Stops listening, as a relay does in an outage: connections are refused.</summary>
    public async Task StopAsync()
    {
        if (_stop is not null)
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
            _stop = null;
        }
    }

    public Task StartListeningAsync()
    {
        var options = new SmtpServerOptionsBuilder()
            .ServerName("localhost")
            .Endpoint(endpoint => endpoint.Endpoint(new IPEndPoint(IPAddress.Loopback, Port)))
            .Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(new Store(_messages, _raw, _envelopeFrom));
        services.Add(new Filter(this));
        var server = new SmtpServer.SmtpServer(options, services);
        server.SessionCreated += (_, _) => Interlocked.Increment(ref _sessions);
        _stop = new CancellationTokenSource();
        _running = server.StartAsync(_stop.Token);
        return Eventually.TrueAsync(CanConnect, TimeSpan.FromSeconds(10), $"SMTP sink listening on {Port}");
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private bool CanConnect()
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, Port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private sealed class Store(ConcurrentQueue<MimeMessage> messages, ConditionalWeakTable<MimeMessage, byte[]> raw, ConditionalWeakTable<MimeMessage, string> envelopeFrom) : MessageStore
    {
        public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            var bytes = buffer.ToArray();
            using var stream = new MemoryStream(bytes);
            var message = await MimeMessage.LoadAsync(stream, cancellationToken);
            raw.Add(message, bytes);
            envelopeFrom.Add(message, transaction.From is { } from ? from.AsAddress() : "");
            messages.Enqueue(message);
            return SmtpResponse.Ok;
        }
    }

    private sealed class Filter(SmtpSink sink) : IMailboxFilter
    {
        public Task<bool> CanAcceptFromAsync(ISessionContext context, IMailbox from, int size, CancellationToken cancellationToken) => Task.FromResult(true);

        public Task<bool> CanDeliverToAsync(ISessionContext context, IMailbox to, IMailbox from, CancellationToken cancellationToken)
        {
            var refusal = sink.RecipientRule(to.AsAddress());
            return refusal is null ? Task.FromResult(true) : throw new SmtpResponseException(refusal);
        }
    }
}
