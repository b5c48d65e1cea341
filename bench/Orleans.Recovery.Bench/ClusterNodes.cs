using System.Diagnostics;
using System.Globalization;
using Npgsql;
using Orleans.Recovery.Testing;

namespace Orleans.Recovery.Bench;

/// <summary>
/// N silos (src/Silo) and the API as their Orleans client (src/Api with <c>Recovery:Clustering=AdoNet</c>) on one
/// PostgreSQL database, started as deploy/run-cluster starts them: the silos on one CPU set, the API on another.
/// </summary>
public sealed class ClusterNodes : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(2);

    private readonly string _database;
    private readonly string _directory;

    private ClusterNodes(string database, string directory, IReadOnlyList<NodeProcess> silos, NodeProcess api)
    {
        _database = database;
        _directory = directory;
        Silos = silos;
        Api = api;
    }

    public IReadOnlyList<NodeProcess> Silos { get; }

    public NodeProcess Api { get; }

    public string Logs => _directory;

    /// <summary>Starts the silos together on <paramref name="siloCpus"/>, waits until all have joined, then the API on <paramref name="apiCpus"/>.</summary>
    public static async Task<ClusterNodes> StartAsync(string repository, string database, int silos, string siloCpus, string apiCpus, IReadOnlyDictionary<string, string> settings)
    {
        var directory = Directory.CreateTempSubdirectory("recovery-bench-cluster-").FullName;
        var common = new Dictionary<string, string>(settings)
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Recovery__Storage"] = "PostgreSQL",
            ["Recovery__Clustering"] = "AdoNet",
            ["ConnectionStrings__Recovery"] = database,

            // Production refuses generated secrets; every process of a cluster must share the same ones.
            ["Recovery__Links__SigningKey"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
            ["Recovery__Privacy__CustomerKeySecret"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
            ["Recovery__PublicBaseUrl"] = "https://recovery.bench.example",

            // The bench runs at any hour; quiet hours would defer its follow-ups to the morning.
            ["Recovery__QuietHours__Enabled"] = "false",
        };

        var siloDll = Path.Combine(repository, "src", "Silo", "bin", "Release", "net10.0", "Orleans.Recovery.Silo.dll");
        var nodes = Enumerable.Range(1, silos).Select(k =>
        {
            var health = FreePort.Next();
            return new NodeProcess($"silo-{k}", siloDll, new Dictionary<string, string>(common)
            {
                ["Recovery__Silo__AdvertisedAddress"] = "127.0.0.1",
                ["Recovery__Silo__SiloPort"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
                ["Recovery__Silo__GatewayPort"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
                ["Recovery__Silo__HealthPort"] = health.ToString(CultureInfo.InvariantCulture),

                // /metrics on the health port: the Orleans meter's message counters are read from there.
                ["Recovery__Telemetry__Prometheus__Enabled"] = "true",
            }, siloCpus, Path.Combine(directory, $"silo-{k}.log"), new Uri($"http://127.0.0.1:{health}"));
        }).ToList();

        var apiPort = FreePort.Next();
        var api = new NodeProcess("api", Path.Combine(repository, "src", "Api", "bin", "Release", "net10.0", "Orleans.Recovery.Api.dll"), new Dictionary<string, string>(common)
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{apiPort}",
            ["Recovery__ApiKeys__Storefront"] = Product.StorefrontKey,
            ["Recovery__ApiKeys__Operator"] = Product.OperatorKey,
        }, apiCpus, Path.Combine(directory, "api.log"), new Uri($"http://127.0.0.1:{apiPort}"));

        var cluster = new ClusterNodes(database, directory, nodes, api);
        try
        {
            foreach (var silo in nodes)
            {
                silo.Start();
            }

            await Task.WhenAll(nodes.Select(silo => silo.WaitUntilReadyAsync(StartTimeout)));
            await cluster.WaitForMembersAsync(silos);

            // The API last: it then finds every silo's gateway in the membership table at once and spreads its calls over them.
            api.Start();
            await api.WaitUntilReadyAsync(StartTimeout);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync(keepLogs: true);
            throw;
        }
    }

    /// <summary>Waits until the membership table has exactly <paramref name="active"/> active silos: a restarted silo has joined and its old self is declared dead.</summary>
    public async Task<TimeSpan> WaitForMembersAsync(int active)
    {
        var waited = Stopwatch.StartNew();
        long count = -1;
        while (waited.Elapsed < StartTimeout)
        {
            await using (var connection = new NpgsqlConnection(_database))
            {
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand("SELECT COUNT(*) /* bench */ FROM OrleansMembershipTable WHERE Status = 3", connection);
                count = (long)(await command.ExecuteScalarAsync())!;
            }

            if (count == active)
            {
                return waited.Elapsed;
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"The membership table showed {count} active silos, not {active}, for {StartTimeout}; logs in {_directory}.");
    }

    /// <summary>CPU used so far by every silo and by the API.</summary>
    public (TimeSpan Silos, TimeSpan Api) CpuTime() => (Silos.Aggregate(TimeSpan.Zero, (total, silo) => total + silo.CpuTime()), Api.CpuTime());

    public async Task<SiloMessages> MessagesAsync(HttpClient client)
    {
        var each = await Task.WhenAll(Silos.Select(silo => SiloMessages.ScrapeAsync(client, silo.Health)));
        return each.Aggregate(SiloMessages.Zero, (total, silo) => total + silo);
    }

    public ValueTask DisposeAsync() => DisposeAsync(keepLogs: false);

    /// <summary>Kills every process; keeps the logs only when asked, for a run that failed.</summary>
    public async ValueTask DisposeAsync(bool keepLogs)
    {
        await Api.DisposeAsync();
        foreach (var silo in Silos)
        {
            await silo.DisposeAsync();
        }

        if (!keepLogs)
        {
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
