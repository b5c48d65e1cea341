using System.Net;
using System.Security.Authentication;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Recovery.Hosting.Security;

namespace Orleans.Recovery.Api.Tests.Hosting;

/// <summary>
/// The cluster's own ports with Recovery:Tls set: a client without the cluster's certificate cannot join, so it
/// cannot call a single grain, though it knows the cluster id. Here the gateway of the API's own silo is the target.
/// </summary>
[Trait("Category", "Api")]
public sealed class ClusterTlsTests(SmtpFixture smtpFixture) : IClassFixture<SmtpFixture>, IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("recovery-tls-").FullName;
    private readonly int _gatewayPort = FreePort.Next();
    private RecoveryApiFactory _api = null!;
    private (string CertificateFile, string KeyFile) _cluster;

    public Task InitializeAsync()
    {
        _cluster = TestCertificates.SelfSigned(_directory, "cluster");
        _api = new RecoveryApiFactory(smtpFixture.Smtp, settings: new Dictionary<string, string?>
        {
            ["Recovery:Silo:GatewayPort"] = _gatewayPort.ToString(),
            ["Recovery:Tls:CertificateFile"] = _cluster.CertificateFile,
            ["Recovery:Tls:KeyFile"] = _cluster.KeyFile,
        })
        { CaptureLogs = true };
        _ = _api.Server;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Fact]
    public async Task AClientWithTheClustersCertificateJoinsAndCallsGrains()
    {
        using var client = await ConnectAsync(_cluster);

        var hosts = await client.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);

        Assert.Single(hosts);
        Assert.DoesNotContain(_api.Logs.GetSnapshot(), record => record.Exception is AuthenticationException);
    }

    [Fact]
    public async Task AClientWithoutTlsCannotJoin()
    {
        var refused = await Record.ExceptionAsync(async () => (await ConnectAsync(tls: null)).Dispose());

        Assert.NotNull(refused);
        RefusedByTheGatewaysTls();
    }

    [Fact]
    public async Task AClientWithACertificateOfItsOwnCannotJoin()
    {
        var stranger = TestCertificates.SelfSigned(_directory, "stranger");

        var refused = await Record.ExceptionAsync(async () => (await ConnectAsync(stranger)).Dispose());

        Assert.NotNull(refused);
        RefusedByTheGatewaysTls();
    }

    [Fact]
    public void ACertificateFileThatIsNotOneStopsStartUpNamingTheKey()
    {
        var bogus = Path.Combine(_directory, "bogus.crt");
        File.WriteAllText(bogus, "not a certificate");

        var failure = Record.Exception(() => ClusterTls.From(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Recovery:Tls:CertificateFile"] = bogus,
        }).Build()));

        Assert.StartsWith("Recovery:Tls:CertificateFile: ", failure?.Message);
    }

    /// <summary>
    /// The gateway refused the client in the TLS handshake, as its log says: a client that timed out for any other
    /// reason (a wrong port, a silo not yet up) leaves no such line.
    /// </summary>
    private void RefusedByTheGatewaysTls() => Assert.Contains(
        _api.Logs.GetSnapshot(),
        record => record.Category == "Orleans.Connections.Security.TlsServerConnectionMiddleware" && record.Exception is AuthenticationException);

    /// <summary>
    /// An Orleans client of the API's silo, through its gateway: started, or the exception that stopped it. A client
    /// the gateway refuses keeps trying; ten seconds is twenty times what one with the certificate needs.
    /// </summary>
    private async Task<IHost> ConnectAsync((string CertificateFile, string KeyFile)? tls)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(tls is { } files
            ? new Dictionary<string, string?> { ["Recovery:Tls:CertificateFile"] = files.CertificateFile, ["Recovery:Tls:KeyFile"] = files.KeyFile }
            : []).Build();
        var builder = Host.CreateApplicationBuilder();
        builder.UseOrleansClient(client =>
        {
            client.UseStaticClustering(new IPEndPoint(IPAddress.Loopback, _gatewayPort));
            client.Configure<ClusterOptions>(options => (options.ClusterId, options.ServiceId) = ("recovery", "recovery"));
            if (ClusterTls.From(configuration) is { } clusterTls)
            {
                client.UseTls(clusterTls.Configure);
            }
        });
        var host = builder.Build();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await host.StartAsync(timeout.Token);
            return host;
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }
}
