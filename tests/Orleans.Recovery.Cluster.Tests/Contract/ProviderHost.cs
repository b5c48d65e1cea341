using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Recovery.Hosting;
using Orleans.Recovery.Hosting.Storage;
using Orleans.Recovery.Testing;

namespace Orleans.Recovery.Cluster.Tests.Contract;

/// <summary>
/// The Orleans ADO.NET providers exactly as a silo configures them, on a PostgreSQL database, so contract tests call
/// the real provider code against our SQL.
/// </summary>
internal static class ProviderHost
{
    /// <summary>A silo host, built and not started, whose services hold the providers.</summary>
    public static IHost Build(string connectionString, string clustering = RecoverySettings.Localhost, string? clusterId = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Recovery:Storage"] = RecoverySettings.PostgreSql,
            ["Recovery:Clustering"] = clustering,
            ["Recovery:ClusterId"] = clusterId ?? "contract",
            ["ConnectionStrings:Recovery"] = connectionString,
            ["Recovery:Silo:SiloPort"] = FreePort.Next().ToString(),
            ["Recovery:Silo:GatewayPort"] = FreePort.Next().ToString(),
            ["Recovery:Silo:AdvertisedAddress"] = "127.0.0.1",
            ["Recovery:Links:SigningKey"] = Convert.ToBase64String(new byte[32]),
            ["Recovery:Privacy:CustomerKeySecret"] = TestCustomerKeys.Secret,
        });
        builder.UseOrleans(silo => silo.AddRecoverySilo(builder.Configuration));
        return builder.Build();
    }

    /// <summary>A started single silo: storage and reminder providers initialised by the silo lifecycle.</summary>
    public static async Task<IHost> StartAsync(string connectionString)
    {
        var host = Build(connectionString);
        await host.StartAsync();
        return host;
    }

    public static Task ApplySchemaAsync(this IHost host) => host.Services.GetRequiredService<DatabaseSchema>().ApplyAsync(CancellationToken.None);
}
