using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Orleans.Recovery.Ledger;
using Orleans.Recovery.Testing;
using Orleans.Reminders;
using Orleans.TestingHost;

namespace Orleans.Recovery.Grains.Tests;

/// <summary>
/// One in-process Orleans cluster for all grain tests, with the reminder clock under the tests' control and mail
/// delivered over SMTP to a real server on loopback.
/// </summary>
public class ClusterFixture : IAsyncLifetime
{
    /// <summary>Configuration a derived fixture lays over the shared one.</summary>
    protected virtual IReadOnlyDictionary<string, string?> Overrides => new Dictionary<string, string?>();

    public WebhookSink Webhook { get; } = WebhookSink.Start();

    /// <summary>Where the shared clock starts.</summary>
    protected virtual DateTimeOffset StartsAt => new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    public FakeTimeProvider Clock { get; private set; } = null!;

    public const string WebhookSecret = "test-webhook-secret-0123456789";

    public SmtpSink Smtp { get; private set; } = null!;

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.Client;

    /// <summary>The ledger the silo's grains append to: a SQLite file of this fixture's own, unless a derived fixture gives another.</summary>
    public LedgerDatabase Ledger => _ledger ??= CreateLedger();

    private LedgerDatabase? _ledger;

    protected virtual LedgerDatabase CreateLedger() => LedgerDatabase.Temporary();

    private IServiceProvider SiloServices => Cluster.GetSiloServiceProvider(Cluster.Silos[0].SiloAddress);

    /// <summary>The silo's ledger writer, to wait for it or to inject a fault.</summary>
    public SqlLedger LedgerWriter => SiloServices.GetRequiredService<SqlLedger>();

    /// <summary>One of the ledger's report queries (<see cref="LeadListQuery"/>, …), read as the API reads them.</summary>
    public T Query<T>() where T : notnull => SiloServices.GetRequiredService<T>();

    /// <summary>Until everything the grains handed to the ledger is committed.</summary>
    public Task LedgerSettledAsync() => Eventually.TrueAsync(() => LedgerWriter.Pending == 0, what: "the ledger to commit what it was given");

    public async Task InitializeAsync()
    {
        Clock = new FakeTimeProvider(StartsAt);
        Smtp = await SmtpSink.StartAsync();
        var builder = new InProcessTestClusterBuilder(1);
        Configure(builder);

        // Development: the webhook sink speaks plain http on loopback, which only Development accepts.
        builder.ConfigureHost(host => host.Environment.EnvironmentName = Microsoft.Extensions.Hosting.Environments.Development);
        builder.ConfigureHost(host => host.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Recovery:Smtp:Host"] = "127.0.0.1",
            ["Recovery:Smtp:Port"] = Smtp.Port.ToString(),
            ["Recovery:Smtp:Security"] = "None",
            ["Recovery:Smtp:Timeout"] = "00:00:05",
            ["Recovery:Links:SigningKey"] = Convert.ToBase64String(new byte[32]),
            ["Recovery:Privacy:CustomerKeySecret"] = TestCustomerKeys.Secret,
            ["Recovery:PublicBaseUrl"] = "https://recovery.shop.test",
            ["Recovery:Sender:FromName"] = "Kaffee & Co",
            ["Recovery:Sender:FromAddress"] = "hello@kaffee.test",
            ["Recovery:Sender:ReplyTo"] = "help@kaffee.test",
            ["Recovery:Sender:SupportPhone"] = "+49 30 1234567",

            // The shared clock wanders through days and nights; quiet hours have tests of their own.
            ["Recovery:QuietHours:Enabled"] = "false",
            ["Recovery:Alerts:Email"] = "care@kaffee.test",
            ["Recovery:Alerts:WebhookUrl"] = Webhook.Url,
            ["Recovery:Alerts:WebhookSecret"] = WebhookSecret,
        }));
        builder.ConfigureHost(host => host.Configuration.AddInMemoryCollection(Overrides));
        builder.ConfigureHost(host => host.Logging.AddFilter("Orleans.Runtime.ReminderService", Microsoft.Extensions.Logging.LogLevel.Trace).AddFilter("Orleans.Recovery", Microsoft.Extensions.Logging.LogLevel.Trace));
        builder.ConfigureSilo((_, silo) =>
        {
            ConfigureStorage(silo);

            // The tests jump the reminder clock by hours and days, which a real clock never does. Orleans keeps only the
            // reminders due within its loading window in memory and loads the others on a refresh; a jump past a step can
            // then race the refresh that would load it. With every reminder in memory, a step fires when its time comes.
            silo.Configure<Orleans.Hosting.ReminderOptions>(options => options.ReminderLoadingWindow = TimeSpan.FromDays(400));
            silo.Services.AddKeyedSingleton<TimeProvider>(ReminderTimeProviderNames.Reminders, Clock);
            silo.Services.AddRecoveryGrainServices();
            silo.Services.AddRecoveryLedger(_ => Ledger);
        });
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    /// <summary>Where grain state and reminders live: in memory, unless a derived fixture says otherwise.</summary>
    protected virtual void ConfigureStorage(ISiloBuilder silo)
    {
        silo.AddMemoryGrainStorage(RecoveryStorage.Name);
        silo.UseInMemoryReminderService();
    }

    /// <summary>Lets a derived fixture shape the cluster, its service id for one.</summary>
    protected virtual void Configure(InProcessTestClusterBuilder builder)
    {
    }

    /// <summary>Moves the reminder clock; reminders due by then fire.</summary>
    public void Advance(TimeSpan by) => Clock.Advance(by);

    /// <summary>Moves the clock by <paramref name="by"/> and on, a reminder period at a time, until <paramref name="done"/> holds.</summary>
    public Task AdvanceUntilAsync(TimeSpan by, Func<Task<bool>> done, string what, int maxPeriods = 30, TimeSpan? period = null) =>
        Clock.AdvanceUntilAsync(by, done, what, maxPeriods, period);

    /// <summary>The reminder rows the cluster holds for a grain.</summary>
    public async Task<int> RemindersOfAsync(IAddressable grain)
    {
        var table = SiloServices.GetRequiredService<IReminderTable>();
        return (await table.ReadRows(grain.GetGrainId())).Reminders.Count;
    }

    /// <summary>When the grain's reminders next fire, as the reminder table has them.</summary>
    public async Task<IReadOnlyList<DateTime>> ReminderStartsOfAsync(IAddressable grain)
    {
        var table = SiloServices.GetRequiredService<IReminderTable>();
        return [.. (await table.ReadRows(grain.GetGrainId())).Reminders.Select(reminder => reminder.StartAt)];
    }

    public virtual async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        await Ledger.DisposeAsync();
        await Smtp.DisposeAsync();
        Webhook.Dispose();
    }
}

/// <summary>A cluster of its own with quiet hours on, and a clock the suppression tests move to the hour they need.</summary>
public sealed class QuietHoursClusterFixture : ClusterFixture
{
    protected override IReadOnlyDictionary<string, string?> Overrides => new Dictionary<string, string?>
    {
        ["Recovery:QuietHours:Enabled"] = "true",
        ["Recovery:QuietHours:ShopTimeZone"] = "Europe/Berlin",
    };

    /// <summary>Moves the clock forward to the next <paramref name="time"/> of day, UTC.</summary>
    public DateTimeOffset AdvanceToUtc(TimeSpan time)
    {
        var now = Clock.GetUtcNow();
        var target = new DateTimeOffset(now.UtcDateTime.Date + time, TimeSpan.Zero);
        if (target <= now)
        {
            target = target.AddDays(1);
        }

        Clock.Advance(target - now);
        return target;
    }
}

[CollectionDefinition(Name)]
public sealed class QuietHoursCollection : ICollectionFixture<QuietHoursClusterFixture>
{
    public const string Name = "quiet-hours";
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
