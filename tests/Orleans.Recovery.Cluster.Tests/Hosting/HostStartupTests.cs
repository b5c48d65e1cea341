using System.Net;
using System.Security.Cryptography;
using Npgsql;
using Orleans.Recovery.Testing;
using Xunit.Abstractions;

namespace Orleans.Recovery.Cluster.Tests.Hosting;

/// <summary>
/// Every host in every mode, as an operator starts it: the API with its own silo, a silo on its own, and the API as a
/// client of that silo, each in Development and in Production. Each must start, answer its probes, and stop cleanly
/// on SIGTERM. Development matters: there ASP.NET Core checks the whole service graph on start, and a client that
/// registered a silo-only service once exited at once.
/// </summary>
[Collection(PostgresCollection.Name)]
[Trait("Category", "Cluster")]
public sealed class HostStartupTests(PostgresFixture postgres, ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(45);
    private static readonly string SigningKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private readonly string _directory = Directory.CreateTempSubdirectory("recovery-hosts-").FullName;
    private readonly List<ProductProcess> _processes = [];

    [Theory]
    [InlineData("Development")]
    [InlineData("Production")]
    public async Task TheApiWithItsOwnSiloStartsAnswersAndStopsCleanly(string environment) => await Logged(async () =>
    {
        var url = $"http://127.0.0.1:{FreePort.Next()}";
        var api = Start("api", "Api", "Orleans.Recovery.Api", environment, new()
        {
            ["ASPNETCORE_URLS"] = url,
            ["ConnectionStrings__Recovery"] = $"Data Source={Path.Combine(_directory, "recovery.db")}",
            ["Recovery__Silo__SiloPort"] = FreePort.Next().ToString(),
            ["Recovery__Silo__GatewayPort"] = FreePort.Next().ToString(),
        });

        await api.WaitUntilReadyAsync(url, StartTimeout);
        await AnswersLiveAsync(url);
        await ServesItsPagesAndInstrumentsAsync(url, environment, isApi: true);
        await StopsCleanlyAsync(api);
    });

    [Theory]
    [InlineData("Development")]
    [InlineData("Production")]
    public async Task ASiloAndTheApiAsItsClientStartAnswerAndStopCleanly(string environment) => await Logged(() => SiloAndClientAsync(environment, []));

    [Fact]
    public async Task ASiloAndItsClientTalkOverMutualTlsWithTheCertificateFromConfiguration() => await Logged(() =>
    {
        var (certificate, key) = TestCertificates.SelfSigned(_directory, "cluster");
        return SiloAndClientAsync("Production", new() { ["Recovery__Tls__CertificateFile"] = certificate, ["Recovery__Tls__KeyFile"] = key });
    });

    private async Task SiloAndClientAsync(string environment, Dictionary<string, string> settings)
    {
        var database = await postgres.Server.CreateDatabaseAsync("hosts");
        var cluster = new Dictionary<string, string>(settings)
        {
            ["Recovery__Storage"] = "PostgreSQL",
            ["Recovery__Clustering"] = "AdoNet",
            ["Recovery__ClusterId"] = $"hosts-{Guid.NewGuid():N}"[..16],
            ["ConnectionStrings__Recovery"] = database,
            ["Recovery__Links__SigningKey"] = SigningKey,
            ["Recovery__Flows__CartAbandonment__Steps__0__Delay"] = "00:00:02",
            ["Recovery__QuietHours__Enabled"] = "false",
        };
        var siloUrl = $"http://127.0.0.1:{FreePort.Next()}";
        var dashboardPort = FreePort.Next();
        var silo = Start("silo", "Silo", "Orleans.Recovery.Silo", environment, new(cluster)
        {
            ["Recovery__Silo__SiloPort"] = FreePort.Next().ToString(),
            ["Recovery__Silo__GatewayPort"] = FreePort.Next().ToString(),
            ["Recovery__Silo__HealthPort"] = new Uri(siloUrl).Port.ToString(),
            ["Recovery__Dashboard__Port"] = dashboardPort.ToString(),
        });
        await silo.WaitUntilAsync(siloUrl, "/health/ready", StartTimeout);
        await AnswersLiveAsync(siloUrl);

        // The silo arms the daily retention sweep in the background, once its reminder service takes the reminder.
        await Eventually.TrueAsync(async () => await RemindersNamedAsync(database, "retention-sweep") == 1, StartTimeout, "the retention sweep to be armed");
        await ServesItsPagesAndInstrumentsAsync(siloUrl, environment, isApi: false);

        // The silo's dashboard: on its own port, on loopback, in Development; off in Production unless enabled.
        using (var dashboard = new HttpClient())
        {
            var answer = await Answer(dashboard, $"http://127.0.0.1:{dashboardPort}/dashboard");
            Assert.Equal(environment == "Development" ? HttpStatusCode.OK : null, answer);
        }

        var apiUrl = $"http://127.0.0.1:{FreePort.Next()}";
        var api = Start("api-client", "Api", "Orleans.Recovery.Api", environment, new(cluster) { ["ASPNETCORE_URLS"] = apiUrl });
        await api.WaitUntilReadyAsync(apiUrl, StartTimeout);
        await AnswersLiveAsync(apiUrl);
        await ServesItsPagesAndInstrumentsAsync(apiUrl, environment, isApi: true);
        await ExportsAndErasesTheSilosPickupCopyAsync(apiUrl, environment);

        await StopsCleanlyAsync(api);
        await StopsCleanlyAsync(silo);
    }

    /// <summary>
    /// The silo writes the mail to the pickup directory; the API, a client, finds it for an export and deletes it for an
    /// erase (it once looked in its own default directory instead).
    /// </summary>
    private async Task ExportsAndErasesTheSilosPickupCopyAsync(string apiUrl, string environment)
    {
        var (storefrontKey, operatorKey) = environment == "Development"
            ? ("dev-storefront-key-change-me", "dev-operator-key-change-me")
            : ("hosts-test-storefront-key-0123", "hosts-test-operator-key-0123");
        using var storefront = new HttpClient { BaseAddress = new Uri(apiUrl) };
        storefront.DefaultRequestHeaders.Authorization = new("Bearer", storefrontKey);
        using var operatorClient = new HttpClient { BaseAddress = new Uri(apiUrl) };
        operatorClient.DefaultRequestHeaders.Authorization = new("Bearer", operatorKey);
        var (cartId, email) = (Bodies.NewId("cart"), Bodies.NewEmail());
        Assert.Equal(HttpStatusCode.NoContent, (await storefront.PutCartAsync(cartId, Bodies.Cart(cartId, email))).StatusCode);
        var outbox = Path.Combine(_directory, "outbox");
        bool Written() => Directory.Exists(outbox) && Directory.EnumerateFiles(outbox, "*.eml").Any(file => File.ReadAllText(file).Contains(email, StringComparison.OrdinalIgnoreCase));
        await Eventually.TrueAsync(() => Task.FromResult(Written()), StartTimeout, "the silo's reminder in the pickup directory");

        var body = new System.Text.Json.Nodes.JsonObject { ["email"] = email };
        var export = await (await operatorClient.PostAsync("/api/v1/customers/export", Bodies.Json(body))).EnsureSuccessStatusCode().ReadJsonAsync();
        Assert.Single(export.GetProperty("pickupFiles").EnumerateArray());
        var erased = await (await operatorClient.PostAsync("/api/v1/customers/erase", Bodies.Json(body))).EnsureSuccessStatusCode().ReadJsonAsync();
        Assert.Equal(1, erased.GetProperty("pickupFilesDeleted").GetInt32());
        Assert.False(Written(), "the erased shopper's mail is still in the pickup directory");
    }

    [Fact]
    public async Task ASiloOnAMachineWithOnlyLoopbackAdvertisesLoopbackAndSaysHowToChange() => await Logged(async () =>
    {
        // A network namespace of its own holds nothing but loopback; the database is reached through a Unix socket.
        var database = await postgres.Server.CreateDatabaseAsync("loopback");
        await using var bridge = PostgresSocketBridge.To(database);
        var clusterId = $"lo-{Guid.NewGuid():N}"[..16];
        var siloPort = FreePort.Next();
        var silo = Start("silo-loopback", "Silo", "Orleans.Recovery.Silo", "Production", new()
        {
            ["Recovery__Storage"] = "PostgreSQL",
            ["Recovery__Clustering"] = "AdoNet",
            ["Recovery__ClusterId"] = clusterId,
            ["ConnectionStrings__Recovery"] = bridge.ConnectionString,
            ["Recovery__Links__SigningKey"] = SigningKey,
            ["Recovery__Silo__SiloPort"] = siloPort.ToString(),
            ["Recovery__Silo__GatewayPort"] = FreePort.Next().ToString(),
        }, wrapper: LoopbackOnly());

        await Eventually.TrueAsync(
            async () =>
            {
                Assert.False(silo.HasExited, $"the silo exited:\n{silo.Tail()}");
                return await ActiveSilosAtAsync(database, clusterId, "127.0.0.1", siloPort) == 1
                    && silo.Log().Contains("Application started");
            },
            StartTimeout,
            "the silo to be active at 127.0.0.1 and started");
        Assert.Contains("Recovery:Silo:AdvertisedAddress", silo.Log());
        await StopsCleanlyAsync(silo);
    });

    public void Dispose() => _processes.ForEach(process => process.Dispose());

    /// <summary>unshare(1) into a new network namespace, bring its loopback up, then run the command.</summary>
    private static string[] LoopbackOnly() => ["unshare", "--net", "sh", "-c", "ip link set lo up && exec \"$0\" \"$@\""];

    private ProductProcess Start(string name, string project, string assembly, string environment, Dictionary<string, string> settings, IReadOnlyList<string>? wrapper = null)
    {
        var variables = new Dictionary<string, string>
        {
            ["DOTNET_ENVIRONMENT"] = environment,
            ["ASPNETCORE_ENVIRONMENT"] = environment,
            ["Recovery__Smtp__PickupDirectory"] = Path.Combine(_directory, "outbox"),
        };
        if (environment != "Development")
        {
            variables["Recovery__ApiKeys__Storefront"] = "hosts-test-storefront-key-0123";
            variables["Recovery__ApiKeys__Operator"] = "hosts-test-operator-key-0123";
        }

        foreach (var (key, value) in settings)
        {
            variables[key] = value;
        }

        var process = ProductProcess.Start($"{name}-{environment}", project, assembly, _directory, variables, wrapper);
        _processes.Add(process);
        return process;
    }

    /// <summary>
    /// The API's landing page, console sign-in and API description in every mode; <c>/metrics</c> and the dashboard
    /// (behind the sign-in) in Development only, as neither is on elsewhere unless configured.
    /// </summary>
    private static async Task ServesItsPagesAndInstrumentsAsync(string url, string environment, bool isApi)
    {
        using var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(url) };
        var development = environment == "Development";
        var metrics = await client.GetAsync("/metrics");
        Assert.Equal(development ? HttpStatusCode.OK : HttpStatusCode.NotFound, metrics.StatusCode);
        if (development)
        {
            Assert.Contains("orleans_", await metrics.Content.ReadAsStringAsync());
        }

        if (isApi)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/console/sign-in")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/openapi/v1.json")).StatusCode);
            var dashboard = await client.GetAsync("/dashboard");
            Assert.Equal(development ? HttpStatusCode.Redirect : HttpStatusCode.NotFound, dashboard.StatusCode);
        }
    }

    /// <summary>The status a URL answers with, or null when nothing listens there.</summary>
    private static async Task<HttpStatusCode?> Answer(HttpClient client, string url)
    {
        try
        {
            return (await client.GetAsync(url)).StatusCode;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    private static async Task AnswersLiveAsync(string url)
    {
        using var client = new HttpClient { BaseAddress = new Uri(url) };
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
    }

    /// <summary>SIGTERM, as docker stop and Kubernetes send it: the host shuts down and exits with 0.</summary>
    private static async Task StopsCleanlyAsync(ProductProcess process)
    {
        await process.TerminateAsync(StopTimeout);
        Assert.True(process.ExitCode == 0, $"{process.Name} exited with {process.ExitCode}:\n{process.Tail()}");
    }

    private static async Task<long> ActiveSilosAtAsync(string database, string clusterId, string address, int port)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM OrleansMembershipTable WHERE DeploymentId = @cluster AND Address = @address AND Port = @port AND Status = 3", connection);
        command.Parameters.AddWithValue("cluster", clusterId);
        command.Parameters.AddWithValue("address", address);
        command.Parameters.AddWithValue("port", port);
        try
        {
            return Convert.ToInt64(await command.ExecuteScalarAsync());
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return 0; // The silo has not applied the schema yet.
        }
    }

    private static async Task<long> RemindersNamedAsync(string database, string name)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM OrleansRemindersTable WHERE ReminderName = @name", connection);
        command.Parameters.AddWithValue("name", name);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    private async Task Logged(Func<Task> test)
    {
        try
        {
            await test();
        }
        catch
        {
            _processes.ForEach(process => output.WriteLine(process.Tail()));
            throw;
        }
    }
}
