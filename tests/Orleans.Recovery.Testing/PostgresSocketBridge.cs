using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Orleans.Recovery.Testing;

/// <summary>
/// A Unix-domain socket in a folder of its own that carries each connection on to a PostgreSQL server's TCP port.
/// A process in a network namespace with nothing but loopback shares the file system, not the network: through this
/// bridge it still reaches the tests' database, as <c>Host=/folder</c>.
/// </summary>
public sealed class PostgresSocketBridge : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly DnsEndPoint _server;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    private PostgresSocketBridge(string connectionString)
    {
        var target = new NpgsqlConnectionStringBuilder(connectionString);
        _server = new DnsEndPoint(target.Host!, target.Port);
        Directory = System.IO.Directory.CreateTempSubdirectory("recovery-pgsock-").FullName;
        const int port = 5432;
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(Path.Combine(Directory, $".s.PGSQL.{port}")));
        _listener.Listen();
        ConnectionString = new NpgsqlConnectionStringBuilder(connectionString) { Host = Directory, Port = port }.ConnectionString;
        _accepting = AcceptAsync();
    }

    /// <summary>The folder holding the socket.</summary>
    public string Directory { get; }

    /// <summary>The same database and credentials, reached through the socket.</summary>
    public string ConnectionString { get; }

    public static PostgresSocketBridge To(string connectionString) => new(connectionString);

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = CarryAsync(client);
        }
    }

    private async Task CarryAsync(Socket client)
    {
        using (client)
        using (var server = new Socket(SocketType.Stream, ProtocolType.Tcp))
        {
            try
            {
                await server.ConnectAsync(_server, _stop.Token);
                await using var fromClient = new NetworkStream(client);
                await using var toServer = new NetworkStream(server);
                await Task.WhenAny(fromClient.CopyToAsync(toServer, _stop.Token), toServer.CopyToAsync(fromClient, _stop.Token));
            }
            catch (Exception exception) when (exception is IOException or SocketException or OperationCanceledException)
            {
                // Either end went away; the other is closed with it.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        try
        {
            await _accepting;
        }
        catch (OperationCanceledException)
        {
        }

        System.IO.Directory.Delete(Directory, recursive: true);
        _stop.Dispose();
    }
}
