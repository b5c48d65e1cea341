using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Orleans.Recovery.Testing;

/// <summary>
/// A bare SMTP relay that drops the connection right after receiving a message's data, before it answers: the one
/// fault it injects, which leaves the sender not knowing whether the message was taken. No real relay does that on
/// demand. Every message's data it read is kept, so a test sees what reached it and how often.
/// </summary>
public sealed class ScriptedRelay : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public ScriptedRelay()
    {
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    public int Port { get; }

    /// <summary>Drops the session, unanswered, after the data of this message of a session (1 for the first).</summary>
    public int DropAfterDataOfMessage { get; set; }

    /// <summary>The data of every message received, whole, in arrival order: dropped ones included.</summary>
    public ConcurrentQueue<string> Received { get; } = new();

    public int Sessions;

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                _ = ServeAsync(client);
            }
            catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        Interlocked.Increment(ref Sessions);
        using (client)
        {
            var stream = client.GetStream();
            using var reader = new StreamReader(stream, Encoding.ASCII);
            await using var writer = new StreamWriter(stream, Encoding.ASCII) { NewLine = "\r\n", AutoFlush = true };
            var messages = 0;
            try
            {
                await writer.WriteLineAsync("220 scripted relay");
                while (await reader.ReadLineAsync(_stop.Token) is { } line)
                {
                    var verb = line.Split(' ')[0].ToUpperInvariant();
                    switch (verb)
                    {
                        case "EHLO" or "HELO":
                            await writer.WriteLineAsync("250 scripted");
                            break;
                        case "DATA":
                            await writer.WriteLineAsync("354 go ahead");
                            var data = new StringBuilder();
                            while (await reader.ReadLineAsync(_stop.Token) is { } dataLine && dataLine != ".")
                            {
                                data.AppendLine(dataLine);
                            }

                            Received.Enqueue(data.ToString());
                            if (++messages == DropAfterDataOfMessage)
                            {
                                return;
                            }

                            await writer.WriteLineAsync("250 queued");
                            break;
                        case "QUIT":
                            await writer.WriteLineAsync("221 bye");
                            return;
                        default:
                            await writer.WriteLineAsync("250 ok");
                            break;
                    }
                }
            }
            catch (Exception exception) when (exception is IOException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
