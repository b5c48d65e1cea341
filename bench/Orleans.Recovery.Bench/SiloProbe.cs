using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace Orleans.Recovery.Bench;

/// <summary>An Orleans client of the product's silo, through its gateway, for the management grain's view of memory.</summary>
public sealed partial class SiloProbe : IAsyncDisposable
{
    private readonly IHost _host;

    private SiloProbe(IHost host) => _host = host;

    private IManagementGrain Management => _host.Services.GetRequiredService<IClusterClient>().GetGrain<IManagementGrain>(0);

    public static async Task<SiloProbe> ConnectAsync(int gatewayPort)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.UseOrleansClient(client => client.UseLocalhostClustering(gatewayPort, serviceId: "recovery", clusterId: "recovery"));
        var host = builder.Build();
        await host.StartAsync();
        return new SiloProbe(host);
    }

    /// <summary>
    /// Deactivates every idle grain, then measures the live managed heap of the silo's process with dotnet-gcdump,
    /// which collects garbage first. Orleans' own memory figure adds the heap's fragmentation, which after a burst
    /// of ingest is several times the live size and says nothing about what a pending cart costs.
    /// </summary>
    public async Task<(long Bytes, int Activations, string Dump)> LiveHeapAfterCollectionAsync(int processId, string repository)
    {
        var silos = (await Management.GetHosts(onlyActive: true)).Keys.ToArray();
        await Management.ForceActivationCollection(silos, TimeSpan.Zero);
        await Task.Delay(TimeSpan.FromSeconds(2));
        var activations = (await Management.GetRuntimeStatistics(silos)).Single().ActivationCount;

        var dump = Path.Combine(Path.GetTempPath(), $"recovery-bench-{Guid.NewGuid():N}.gcdump");
        await GcDumpAsync(repository, "collect", "-p", processId.ToString(CultureInfo.InvariantCulture), "-o", dump);
        var report = await GcDumpAsync(repository, "report", dump);
        var heap = HeapBytes().Match(report);
        return heap.Success
            ? (long.Parse(heap.Groups[1].Value.Replace(",", ""), CultureInfo.InvariantCulture), activations, dump)
            : throw new InvalidOperationException($"dotnet-gcdump reported no heap size:\n{report}");
    }

    private static async Task<string> GcDumpAsync(string repository, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet", ["tool", "run", "dotnet-gcdump", .. arguments])
        {
            WorkingDirectory = repository,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return process.ExitCode == 0 ? output : throw new InvalidOperationException($"dotnet-gcdump {arguments[0]} failed: {errors}{output}");
    }

    [GeneratedRegex(@"([\d,]+)\s+GC Heap bytes")]
    private static partial Regex HeapBytes();

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
