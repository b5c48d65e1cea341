using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Orleans.Recovery.Testing;

/// <summary>
/// A relay in front of a real SMTP server that can stall: it accepts TCP connections and never greets, as a relay
/// does whose disk is full or whose process hangs. No real relay does that on demand, so this is the one fault it
/// injects. Released, it closes what it held and passes new connections through to the real server.
/// </summary>
public sealed class StalledRelay : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly ConcurrentBag<TcpClient> _held = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private volatile int _target;

    public StalledRelay()
    {
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    public int Port { get; }

    /// <summary>Connections accepted while stalled.</summary>
    public int HeldConnections => _held.Count;

    public bool IsStalled => _target == 0;

    public void Stall() => _target = 0;

    /// <summary>Ends the stall: held connections are closed, new ones reach the server on <paramref name="port"/>.</summary>
    public void Release(int port)
    {
        _target = port;
        while (_held.TryTake(out var client))
        {
            client.Dispose();
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            if (_target is var target and > 0)
            {
                _ = ForwardAsync(client, target);
            }
            else
            {
                _held.Add(client);
            }
        }
    }

    private async Task ForwardAsync(TcpClient client, int port)
    {
        using (client)
        using (var server = new TcpClient())
        {
            try
            {
                await server.ConnectAsync(IPAddress.Loopback, port, _stop.Token);
                var up = client.GetStream().CopyToAsync(server.GetStream(), _stop.Token);
                var down = server.GetStream().CopyToAsync(client.GetStream(), _stop.Token);
                await Task.WhenAny(up, down);
            }
            catch (Exception exception) when (exception is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Release(0);
        try
        {
            await _accepting;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }
}
