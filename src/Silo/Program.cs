using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.Hosting;

namespace Orleans.Recovery.Silo;

/// <summary>A silo on its own, without the HTTP API. The API co-hosts the same silo by default (see src/Api).</summary>
public static class SiloProgram
{
    public static async Task Main(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);

        // The same log levels as the API's appsettings.json, as the lowest source so the operator's settings win. Our
        // own categories start with "Orleans." too, so quietening Orleans alone would hide every skip and deferral.
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource
        {
            InitialData = new Dictionary<string, string?>
            {
                ["Logging:LogLevel:Default"] = "Information",
                ["Logging:LogLevel:Orleans"] = "Warning",
                ["Logging:LogLevel:Orleans.Recovery"] = "Information",
                ["Logging:LogLevel:Orleans.Runtime.Silo"] = "Information",
                ["Logging:LogLevel:Polly"] = "Warning",
            },
        });
        builder.UseOrleans(silo => silo.AddRecoverySilo(builder.Configuration));
        await builder.Build().RunAsync();
    }
}
