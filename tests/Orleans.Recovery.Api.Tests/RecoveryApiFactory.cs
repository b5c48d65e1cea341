using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
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

    public RecoveryApiFactory(SmtpSink smtp, string? dataDirectory = null, FakeTimeProvider? clock = null, IDictionary<string, string?>? settings = null)
    {
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

    public HttpClient Storefront() => WithKey(StorefrontKey);

    public HttpClient Operator() => WithKey(OperatorKey);

    public HttpClient Anonymous() => CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

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
            services.AddKeyedSingleton<TimeProvider>(ReminderTimeProviderNames.Reminders, Clock));
    }

    /// <summary>Moves the reminder clock by <paramref name="by"/> and on, a period at a time, until <paramref name="done"/> holds.</summary>
    public Task AdvanceUntilAsync(TimeSpan by, Func<Task<bool>> done, string what) => Clock.AdvanceUntilAsync(by, done, what);
}
