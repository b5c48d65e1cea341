using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Npgsql;
using Orleans.Recovery.Testing;
using Xunit.Abstractions;

namespace Orleans.Recovery.Cluster.Tests;

/// <summary>
/// The cluster as an operator runs it: silo processes and an API process on PostgreSQL, a real SMTP server on
/// loopback, and the real clock. One silo is killed with SIGKILL after the carts are in, another joins, and a third
/// leaves gracefully, all while every cart's three follow-ups are pending.
/// </summary>
[Collection(PostgresCollection.Name)]
[Trait("Category", "Cluster")]
public sealed class ClusterTests(PostgresFixture postgres, ITestOutputHelper output) : IAsyncLifetime
{
    private const int CartCount = 300;
    private const int ErasedCount = 10;
    private const string StorefrontKey = "cluster-test-storefront-key";
    private const string OperatorKey = "cluster-test-operator-key";
    private static readonly TimeSpan[] Delays = [TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(90)];

    private readonly string _directory = Directory.CreateTempSubdirectory("recovery-cluster-").FullName;
    private readonly string _clusterId = $"cluster-{Guid.NewGuid():N}"[..20];
    private readonly int _httpPort = FreePort.Next();
    private readonly List<ProductProcess> _processes = [];
    private SmtpSink _smtp = null!;
    private string _database = null!;

    public async Task InitializeAsync()
    {
        _smtp = await SmtpSink.StartAsync();
        _database = await postgres.Server.CreateDatabaseAsync("cluster");
    }

    public async Task DisposeAsync()
    {
        _processes.ForEach(process => process.Dispose());
        await _smtp.DisposeAsync();
    }

    [Fact]
    public async Task EveryDueStepArrivesExactlyOnceThoughASiloIsKilledAnotherJoinsAndAnotherLeaves()
    {
        try
        {
            await RunAsync();
        }
        catch
        {
            foreach (var process in _processes)
            {
                output.WriteLine(process.Tail());
            }

            throw;
        }
    }

    private async Task RunAsync()
    {
        var silos = new[] { StartSilo("silo-1"), StartSilo("silo-2"), StartSilo("silo-3") };
        foreach (var silo in silos)
        {
            await WaitForActiveAsync(silo);
        }

        var api = Start("api", "Api", "Orleans.Recovery.Api", new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{_httpPort}",
            ["Recovery__ApiKeys__Storefront"] = StorefrontKey,
            ["Recovery__ApiKeys__Operator"] = OperatorKey,
        });
        await api.WaitUntilReadyAsync($"http://127.0.0.1:{_httpPort}", TimeSpan.FromSeconds(90));

        // A few hundred carts, a third of them bought right away.
        var carts = Enumerable.Range(0, CartCount).Select(i => new Cart($"cart-{i:D4}-{Guid.NewGuid():N}", $"shopper-{i:D4}@example.test", Bought: i % 3 == 0)).ToList();
        var failedCalls = new ConcurrentBag<string>();
        var lastActivity = new ConcurrentDictionary<string, DateTimeOffset>();
        using var storefront = Client(StorefrontKey);
        await Parallel.ForEachAsync(carts, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (cart, _) =>
        {
            var put = await storefront.PutCartAsync(cart.Id, Bodies.Cart(cart.Id, cart.Email));
            lastActivity[cart.Id] = DateTimeOffset.UtcNow;
            Expect(put, HttpStatusCode.NoContent, $"PUT {cart.Id}", failedCalls);
            if (cart.Bought)
            {
                Expect(await storefront.PostAsync("/api/v1/orders", Bodies.Json(Bodies.Order($"order-{cart.Id}", cart.Id, cart.Email))), HttpStatusCode.Created, $"order for {cart.Id}", failedCalls);
            }
        });
        var cartsIn = DateTimeOffset.UtcNow;
        Assert.True(failedCalls.IsEmpty, string.Join("\n", failedCalls));

        // Shoppers erased right after their cart's report, well within the ledger writer's linger: the ledger does not
        // list the cart yet and no customer grain knows it, so the erase finds it by asking every silo's writer.
        using var operatorClient = Client(OperatorKey);
        var erased = Enumerable.Range(0, ErasedCount).Select(i => new Cart($"erased-{i:D2}-{Guid.NewGuid():N}", $"erased-{i:D2}@example.test", Bought: false)).ToList();
        var erasedFound = 0;
        foreach (var cart in erased)
        {
            Assert.Equal(HttpStatusCode.NoContent, (await storefront.PutCartAsync(cart.Id, Bodies.Cart(cart.Id, cart.Email))).StatusCode);
            var erasure = await (await operatorClient.PostAsync("/api/v1/customers/erase", Bodies.Json(new System.Text.Json.Nodes.JsonObject { ["email"] = cart.Email }))).EnsureSuccessStatusCode().ReadJsonAsync();
            erasedFound += erasure.GetProperty("carts").GetInt32();
            Assert.Equal(HttpStatusCode.NotFound, (await operatorClient.GetAsync($"/api/v1/carts/{cart.Id}")).StatusCode);
        }
        var abandonedCount = CartCount - carts.Count(c => c.Bought);
        try
        {
            await Eventually.TrueAsync(async () => await PendingFollowUpsAsync() == abandonedCount, TimeSpan.FromSeconds(20), "one reminder per abandoned cart");
        }
        catch (TimeoutException timeout)
        {
            throw new TimeoutException($"{timeout.Message} Expected {abandonedCount}; the reminder table holds {await PendingFollowUpsAsync()}.", timeout);
        }

        // SIGKILL a silo while every follow-up is pending: nothing of it runs again.
        var killedAfterCartsIn = DateTimeOffset.UtcNow - cartsIn;
        var killedAt = Stopwatch.StartNew();
        await silos[1].Process.KillAsync();

        // Scale out and in while the steps fall due: a new silo joins, then another leaves gracefully (SIGTERM).
        await WaitForActiveAsync(StartSilo("silo-4"));
        await silos[2].Process.TerminateAsync(TimeSpan.FromSeconds(60));
        var leftAt = killedAt.Elapsed;

        // The flow is over when no cart holds a reminder any more: every step was sent or skipped.
        var abandoned = carts.Where(cart => !cart.Bought).ToList();
        var expected = abandoned.Count * Delays.Length;
        // Recovery emails are marketing and carry List-Unsubscribe; the bought carts' order confirmations do not.
        static bool IsRecovery(MimeKit.MimeMessage message) => message.Headers.Contains("List-Unsubscribe");
        var bought = carts.Count(cart => cart.Bought);
        await Eventually.TrueAsync(
            async () => await PendingFollowUpsAsync() == 0 && _smtp.Messages.Count(IsRecovery) >= expected && _smtp.Messages.Count(m => !IsRecovery(m)) >= bought,
            TimeSpan.FromMinutes(6),
            "every follow-up and confirmation to be sent");
        var lastDeliveryAfterKill = killedAt.Elapsed;

        var confirmations = _smtp.Messages.Where(m => !IsRecovery(m)).ToList();
        var messages = _smtp.Messages.Where(IsRecovery).ToList();
        var byRecipient = messages.GroupBy(m => m.To.Mailboxes.Single().Address).ToDictionary(g => g.Key, g => g.ToList());
        var duplicates = messages.Count - messages.Select(m => m.MessageId).Distinct().Count();
        var lost = abandoned.Sum(cart => Math.Max(0, Delays.Length - byRecipient.GetValueOrDefault(cart.Email, []).Select(m => m.MessageId).Distinct().Count()));
        var toBought = carts.Where(cart => cart.Bought).Sum(cart => byRecipient.GetValueOrDefault(cart.Email, []).Count);
        var toErased = erased.Sum(cart => byRecipient.GetValueOrDefault(cart.Email, []).Count);
        var lateness = abandoned.SelectMany(cart => byRecipient.GetValueOrDefault(cart.Email, []).OrderBy(m => m.Date)
            .Zip(Delays, (message, delay) => (message.Date - (lastActivity[cart.Id] + delay)).TotalSeconds)).ToList();

        // The ledger's sent rows against what the SMTP server received, killed silo and all: none lost, none doubled.
        var received = _smtp.Messages.Count;
        long ledgerSent = 0;
        await Eventually.TrueAsync(
            async () => (ledgerSent = await ScalarAsync("SELECT count(*) FROM recovery_message_events WHERE kind = 'sent'")) >= received,
            TimeSpan.FromSeconds(60),
            "the ledger to record every message the SMTP server received");
        var ledgerRecoverySent = await ScalarAsync("SELECT count(*) FROM recovery_messages WHERE flow = 'cart-abandonment' AND sent_at IS NOT NULL");

        var figures = $"""
            Cluster run: 3 silos on PostgreSQL, {CartCount} carts ({abandoned.Count} abandoned, {CartCount - abandoned.Count} bought), steps at {string.Join(", ", Delays.Select(d => d.TotalSeconds + " s"))}
              silo-2 killed (SIGKILL) {killedAfterCartsIn.TotalSeconds:F1} s after the carts were in; silo-4 joined; silo-3 left gracefully {leftAt.TotalSeconds:F1} s after the kill
              delivered / expected: {messages.Select(m => m.MessageId).Distinct().Count()} / {expected}
              duplicates: {duplicates}
              lost: {lost}
              recovery messages to bought carts: {toBought}
              order confirmations: {confirmations.Select(m => m.MessageId).Distinct().Count()} / {bought}, duplicates {confirmations.Count - confirmations.Select(m => m.MessageId).Distinct().Count()}
              failed API calls: {failedCalls.Count}
              erased right after their report: {erasedFound} of {ErasedCount} carts found; recovery messages to them afterwards: {toErased}
              ledger: {ledgerSent} sent rows for {received} messages received ({ledgerRecoverySent} recovery messages sent)
              seconds from the kill until the last delivery: {lastDeliveryAfterKill.TotalSeconds:F1}
              lateness against the due time: median {Percentile(lateness, 0.5):F1} s, max {lateness.DefaultIfEmpty().Max():F1} s
            """;
        output.WriteLine(figures);

        // Also beside the test assembly, where .ci/run prints it: a passing test's output is not shown by dotnet test.
        await File.WriteAllTextAsync(Path.Combine(AppContext.BaseDirectory, "cluster-figures.txt"), figures + Environment.NewLine);

        Assert.Equal(0, duplicates);
        Assert.Equal(0, lost);
        Assert.Equal(0, toBought);
        Assert.Equal(ErasedCount, erasedFound);
        Assert.Equal(0, toErased);
        Assert.Equal(expected, messages.Count);
        Assert.Equal(bought, confirmations.Count);
        Assert.Equal(bought, confirmations.Select(m => m.MessageId).Distinct().Count());
        Assert.Equal(received, ledgerSent);
        Assert.Equal(expected, ledgerRecoverySent);

        // The operator sees the same through the API, which survived the silo churn.
        foreach (var cart in carts.Where((_, i) => i % 10 == 0 || i % 10 == 1))
        {
            var view = await operatorClient.GetFromJsonAsync<JsonElement>($"/api/v1/carts/{cart.Id}");
            var sent = view.GetProperty("messages").EnumerateArray().Count(m => m.GetProperty("status").GetString() == "sent");
            Assert.Equal(cart.Bought ? 0 : Delays.Length, sent);
        }
    }

    private (ProductProcess Process, int Port) StartSilo(string name)
    {
        var port = FreePort.Next();
        var process = Start(name, "Silo", "Orleans.Recovery.Silo", new Dictionary<string, string>
        {
            ["Recovery__Silo__SiloPort"] = port.ToString(),
            ["Recovery__Silo__GatewayPort"] = FreePort.Next().ToString(),
            ["Recovery__Silo__HealthPort"] = FreePort.Next().ToString(),
        });
        return (process, port);
    }

    private ProductProcess Start(string name, string project, string assembly, Dictionary<string, string> settings)
    {
        var environment = new Dictionary<string, string>
        {
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Recovery__Storage"] = "PostgreSQL",
            ["Recovery__Clustering"] = "AdoNet",
            ["Recovery__ClusterId"] = _clusterId,
            ["ConnectionStrings__Recovery"] = _database,
            ["Recovery__Silo__AdvertisedAddress"] = "127.0.0.1",
            ["Recovery__Links__SigningKey"] = SigningKey,
            ["Recovery__Smtp__Host"] = "127.0.0.1",
            ["Recovery__Smtp__Port"] = _smtp.Port.ToString(),
            ["Recovery__Smtp__Security"] = "None",
            // Tests run at any hour; quiet hours have tests of their own, and one shopper gets every step here.
            ["Recovery__QuietHours__Enabled"] = "false",
        };
        for (var step = 0; step < Delays.Length; step++)
        {
            environment[$"Recovery__Flows__CartAbandonment__Steps__{step}__Delay"] = Delays[step].ToString();
        }

        foreach (var (key, value) in settings)
        {
            environment[key] = value;
        }

        var process = ProductProcess.Start(name, project, assembly, _directory, environment);
        _processes.Add(process);
        return process;
    }

    private static readonly string SigningKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>Until the silo is Active in the membership table, which is when it takes its share of the reminders.</summary>
    private async Task WaitForActiveAsync((ProductProcess Process, int Port) silo) =>
        await Eventually.TrueAsync(
            async () =>
            {
                Assert.False(silo.Process.HasExited, $"{silo.Process.Name} exited during start-up");
                try
                {
                    return await ScalarAsync($"SELECT count(*) FROM OrleansMembershipTable WHERE DeploymentId = @cluster AND Port = {silo.Port} AND Status = 3") == 1;
                }
                catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
                {
                    return false; // The first silo has not applied the schema yet.
                }
            },
            TimeSpan.FromSeconds(90),
            $"{silo.Process.Name} to be active");

    // The carts' and orders' reminders; the daily retention sweep holds one of its own.
    private async Task<long> PendingFollowUpsAsync() => await ScalarAsync("SELECT count(*) FROM OrleansRemindersTable WHERE ReminderName IN ('follow-up', 'order-follow-up')");

    private async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("cluster", _clusterId);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    private HttpClient Client(string? key)
    {
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_httpPort}"), Timeout = TimeSpan.FromSeconds(30) };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return client;
    }

    private static void Expect(HttpResponseMessage response, HttpStatusCode status, string call, ConcurrentBag<string> failures)
    {
        if (response.StatusCode != status)
        {
            failures.Add($"{call}: {(int)response.StatusCode}");
        }
    }

    private static double Percentile(List<double> values, double rank) =>
        values.Count == 0 ? 0 : values.Order().ElementAt((int)Math.Min(values.Count - 1, Math.Floor(rank * values.Count)));

    private sealed record Cart(string Id, string Email, bool Bought);
}
