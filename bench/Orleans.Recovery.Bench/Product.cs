using System.Diagnostics;
using Orleans.Recovery.Testing;

namespace Orleans.Recovery.Bench;

/// <summary>
/// The product as a shop runs it: the Release build of src/Api in a process of its own, co-hosting its silo, on the
/// storage and SMTP server the measurement asks for.
/// </summary>
public sealed class Product : IAsyncDisposable
{
    public const string StorefrontKey = "bench-storefront-key-0123456789abcdef";
    public const string OperatorKey = "bench-operator-key-0123456789abcdef01";

    private static readonly Lock LogLock = new();

    private readonly Process _process;
    private readonly string _directory;

    private Product(Process process, string directory, int httpPort, int gatewayPort)
    {
        _process = process;
        _directory = directory;
        HttpPort = httpPort;
        GatewayPort = gatewayPort;
    }

    public int HttpPort { get; }

    public int GatewayPort { get; }

    public int ProcessId => _process.Id;

    public Uri BaseAddress => new($"http://127.0.0.1:{HttpPort}");

    public static async Task<Product> StartAsync(string repository, IReadOnlyDictionary<string, string> settings)
    {
        var dll = Path.Combine(repository, "src", "Api", "bin", "Release", "net10.0", "Orleans.Recovery.Api.dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"{dll} is missing: bench/run builds it with 'dotnet build -c Release src/Api' first.");
        }

        var directory = Directory.CreateTempSubdirectory("recovery-bench-").FullName;
        var (httpPort, gatewayPort) = (FreePort.Next(), FreePort.Next());
        var start = new ProcessStartInfo("dotnet", [dll])
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{httpPort}",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Recovery__ApiKeys__Storefront"] = StorefrontKey,
            ["Recovery__ApiKeys__Operator"] = OperatorKey,
            ["Recovery__PublicBaseUrl"] = "https://recovery.bench.example",

            // Production needs the customer-key secret; one made for this run is as good as any.
            ["Recovery__Privacy__CustomerKeySecret"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
            ["Recovery__Silo__SiloPort"] = FreePort.Next().ToString(),
            ["Recovery__Silo__GatewayPort"] = gatewayPort.ToString(),

            // The bench runs at any hour; quiet hours would defer its follow-ups to the morning.
            ["Recovery__QuietHours__Enabled"] = "false",
        };
        foreach (var (key, value) in settings)
        {
            environment[key] = value;
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start)!;
        var log = Path.Combine(directory, "product.log");
        _ = PipeAsync(process.StandardOutput, log);
        _ = PipeAsync(process.StandardError, log);
        var product = new Product(process, directory, httpPort, gatewayPort);
        await product.WaitUntilReadyAsync(log);
        return product;
    }

    public HttpClient Client(string key)
    {
        var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        client.DefaultRequestHeaders.Authorization = new("Bearer", key);
        return client;
    }

    private async Task WaitUntilReadyAsync(string log)
    {
        using var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromMinutes(2))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The product exited with {_process.ExitCode} at start; see {log}.");
            }

            try
            {
                if ((await client.GetAsync("/health/ready")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"The product was not ready within 2 minutes; see {log}.");
    }

    private static async Task PipeAsync(StreamReader from, string file)
    {
        string? line;
        while ((line = await from.ReadLineAsync()) is not null)
        {
            lock (LogLock)
            {
                File.AppendAllText(file, line + Environment.NewLine);
            }
        }
    }

    /// <summary>Resident memory of the product's process, from /proc, for the report beside the managed figure.</summary>
    public long ResidentBytes()
    {
        var line = File.ReadLines($"/proc/{_process.Id}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
