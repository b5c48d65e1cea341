using Microsoft.Extensions.Hosting;

namespace Orleans.Recovery.Silo;

/// <summary>A silo on its own, without the HTTP API. The API co-hosts the same silo by default (see src/Api).</summary>
public static class SiloProgram
{
    public static async Task Main(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        builder.UseOrleans(silo => silo.AddRecoverySilo(builder.Configuration));
        await builder.Build().RunAsync();
    }
}
