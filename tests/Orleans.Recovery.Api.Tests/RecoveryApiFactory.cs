using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using Orleans.Recovery.Testing;
using Orleans.Reminders;

namespace Orleans.Recovery.Api.Tests;

/// <summary>
/// The real API with its co-hosted silo, on a SQLite file of its own and free ports, delivering mail to a real
/// SMTP server on loopback. Only the reminder clock is fake, so tests can move time.
/// </summary>
public sealed class RecoveryApiFactory : WebApplicationFactory<Program>
{
    public const string StorefrontKey = "test-storefront-key-0123456789";
    public const string OperatorKey = "test-operator-key-0123456789";

    private readonly Dictionary<string, string?> _settings;
    private readonly bool _realServer;

    /// <param name="smtp">The SMTP server the mail goes to.</param>
    /// <param name="dataDirectory">The SQLite file and key file's folder; a new one by default, another instance's to restart on it.</param>
    /// <param name="clock">The reminder clock; a new fake one by default.</param>
    /// <param name="settings">Configuration laid over the tests' own.</param>
    /// <param name="realServer">Kestrel on a free loopback port instead of the in-memory test server: real sockets, real headers.</param>
    public RecoveryApiFactory(SmtpSink smtp, string? dataDirectory = null, FakeTimeProvider? clock = null, IDictionary<string, string?>? settings = null, bool realServer = false)
    {
        _realServer = realServer;
        if (realServer)
        {
            UseKestrel(0);
        }

        DataDirectory = dataDirectory ?? Directory.CreateTempSubdirectory("recovery-api-").FullName;
        Clock = clock ?? new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));
        Smtp = smtp;
        _settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Recovery"] = $"Data Source={Path.Combine(DataDirectory, "recovery.db")}",
            ["Recovery:Silo:SiloPort"] = FreePort.Next().ToString(),
            ["Recovery:Silo:GatewayPort"] = FreePort.Next().ToString(),
            ["Recovery:ApiKeys:Storefront"] = StorefrontKey,
            ["Recovery:ApiKeys:Operator"] = OperatorKey,
            ["Recovery:Links:SigningKeyFile"] = Path.Combine(DataDirectory, "link-signing.key"),
            ["Recovery:Privacy:CustomerKeySecret"] = TestCustomerKeys.Secret,
            ["Recovery:PublicBaseUrl"] = "https://recovery.shop.test",
            ["Recovery:Smtp:Host"] = "127.0.0.1",
            ["Recovery:Smtp:Port"] = smtp.Port.ToString(),
            ["Recovery:Smtp:Security"] = "None",
            // Tests run at any hour; quiet hours have tests of their own.
            ["Recovery:QuietHours:Enabled"] = "false",
            ["Recovery:Smtp:Timeout"] = "00:00:05",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }
    }

    public string DataDirectory { get; }

    public FakeTimeProvider Clock { get; }

    public SmtpSink Smtp { get; }

    public string Environment { get; init; } = "Testing";

    /// <summary>Keeps what the product logs, for tests that assert an operator's alert (<see cref="Logs"/>).</summary>
    public bool CaptureLogs { get; init; }

    /// <summary>What the product logged, when <see cref="CaptureLogs"/> is set.</summary>
    public FakeLogCollector Logs => Services.GetFakeLogCollector();

    /// <summary>A switch in front of the product's grain storage and reminder table, to turn its database off and on.</summary>
    public Storage.DatabaseFaults? Faults { get; init; }

    /// <summary>Changes to the product's services after its own, for a test that takes a part away or puts a fault in.</summary>
    public Action<IServiceCollection>? TestServices { get; init; }

    public HttpClient Storefront() => WithKey(StorefrontKey);

    public HttpClient Operator() => WithKey(OperatorKey);

    /// <summary>A client that shows redirects rather than following them; over a real socket with a real server.</summary>
    public HttpClient Anonymous()
    {
        if (!_realServer)
        {
            return CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        }

        StartServer();
        var address = Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(address) };
    }

    private HttpClient WithKey(string key)
    {
        var client = Anonymous();
        client.DefaultRequestHeaders.Authorization = new("Bearer", key);
        return client;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(Environment);
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureTestServices(services =>
        {
            services.AddKeyedSingleton<TimeProvider>(ReminderTimeProviderNames.Reminders, Clock);
            Faults?.Install(services, RecoveryStorage.Name);
            if (CaptureLogs)
            {
                services.AddLogging(logging => logging.AddFakeLogging());
            }

            TestServices?.Invoke(services);
        });
    }

    /// <summary>Moves the reminder clock by <paramref name="by"/> and on, a period at a time, until <paramref name="done"/> holds.</summary>
    public Task AdvanceUntilAsync(TimeSpan by, Func<Task<bool>> done, string what) => Clock.AdvanceUntilAsync(by, done, what);
}
