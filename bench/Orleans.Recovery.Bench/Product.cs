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

    private readonly WebProcess _process;

    private Product(WebProcess process, int gatewayPort)
    {
        _process = process;
        GatewayPort = gatewayPort;
    }

    public int HttpPort => _process.HttpPort;

    public int GatewayPort { get; }

    public int ProcessId => _process.ProcessId;

    public Uri BaseAddress => _process.BaseAddress;

    /// <summary>The API keys as the product reads them; the api floor takes the same.</summary>
    public static IReadOnlyDictionary<string, string> KeySettings { get; } = new Dictionary<string, string>
    {
        ["Recovery__ApiKeys__Storefront"] = StorefrontKey,
        ["Recovery__ApiKeys__Operator"] = OperatorKey,
    };

    public static async Task<Product> StartAsync(string repository, IReadOnlyDictionary<string, string> settings)
    {
        var (httpPort, gatewayPort) = (FreePort.Next(), FreePort.Next());
        var environment = new Dictionary<string, string>(KeySettings)
        {
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

        var process = await WebProcess.StartAsync(repository, "src/Api", "Orleans.Recovery.Api", httpPort, environment, "/health/ready", status => status is >= 200 and < 300);
        return new Product(process, gatewayPort);
    }

    public HttpClient Client(string key) => _process.Client(key);

    /// <summary>Resident memory of the product's process, from /proc, for the report beside the managed figure.</summary>
    public long ResidentBytes() => _process.ResidentBytes();

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
