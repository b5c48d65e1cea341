using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Orleans.Recovery.Testing;
using Xunit.Abstractions;

namespace Orleans.Recovery.Cluster.Tests.Connectors;

/// <summary>
/// The connectors in a cluster on PostgreSQL, as a platform team runs it: a silo and two API processes as its clients
/// behind one webhook address. Shopify delivers the same webhook to both at once (its retry of a slow answer does that);
/// it is applied once, and the shopper gets one confirmation.
/// </summary>
[Collection(PostgresCollection.Name)]
[Trait("Category", "Cluster")]
public sealed class ConnectorClusterTests(PostgresFixture postgres, ITestOutputHelper output) : IAsyncLifetime
{
    private const string OperatorKey = "connector-test-operator-key-0123";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    private readonly string _directory = Directory.CreateTempSubdirectory("recovery-connectors-").FullName;
    private readonly List<ProductProcess> _processes = [];
    private SmtpSink _smtp = null!;

    public async Task InitializeAsync() => _smtp = await SmtpSink.StartAsync();

    public async Task DisposeAsync()
    {
        _processes.ForEach(process => process.Dispose());
        await _smtp.DisposeAsync();
    }

    [Fact]
    public async Task TheSameDeliveryToTwoApiProcessesIsAppliedOnceAndBothLogIt()
    {
        try
        {
            await RunAsync();
        }
        catch
        {
            foreach (var process in _processes)
            {
                output.WriteLine($"--- {process.Name} ({process.LogFile}) ---\n{process.Tail()}");
            }

            throw;
        }
    }

    private async Task RunAsync()
    {
        var database = await postgres.Server.CreateDatabaseAsync("connectors");
        var settings = new Dictionary<string, string>
        {
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Recovery__Storage"] = "PostgreSQL",
            ["Recovery__Clustering"] = "AdoNet",
            ["Recovery__ClusterId"] = $"connectors-{Guid.NewGuid():N}"[..20],
            ["ConnectionStrings__Recovery"] = database,
            ["Recovery__Silo__AdvertisedAddress"] = "127.0.0.1",
            ["Recovery__Links__SigningKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Recovery__ApiKeys__Storefront"] = "connector-test-storefront-key-01",
            ["Recovery__ApiKeys__Operator"] = OperatorKey,
            ["Recovery__Connectors__Shopify__Secret"] = Webhooks.ShopifySecret,
            ["Recovery__Smtp__Host"] = "127.0.0.1",
            ["Recovery__Smtp__Port"] = _smtp.Port.ToString(),
            ["Recovery__Smtp__Security"] = "None",
            ["Recovery__QuietHours__Enabled"] = "false",
        };
        var siloHealth = $"http://127.0.0.1:{FreePort.Next()}";
        var silo = Start("silo", "Silo", "Orleans.Recovery.Silo", new(settings)
        {
            ["Recovery__Silo__SiloPort"] = FreePort.Next().ToString(),
            ["Recovery__Silo__GatewayPort"] = FreePort.Next().ToString(),
            ["Recovery__Silo__HealthPort"] = new Uri(siloHealth).Port.ToString(),
        });
        await silo.WaitUntilAsync(siloHealth, "/health/ready", StartTimeout);
        var urls = new[] { $"http://127.0.0.1:{FreePort.Next()}", $"http://127.0.0.1:{FreePort.Next()}" };
        var apis = urls.Select((url, i) => Start($"api-{i + 1}", "Api", "Orleans.Recovery.Api", new(settings) { ["ASPNETCORE_URLS"] = url })).ToList();
        for (var i = 0; i < apis.Count; i++)
        {
            await apis[i].WaitUntilReadyAsync(urls[i], StartTimeout);
        }

        var email = Bodies.NewEmail();
        var orderId = (1_000_000_000_000_000_000L + Random.Shared.NextInt64(1_000_000_000_000_000L)).ToString();
        var order = Webhooks.Load("shopify-orders-create");
        order["id"] = JsonValue.Create(long.Parse(orderId));
        order["email"] = email;
        order["contact_email"] = email;
        order["customer"]!["email"] = email;
        var webhookId = Guid.NewGuid().ToString();

        var clients = urls.Select(url => new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(60) }).ToList();
        var answers = await Task.WhenAll(clients.Select(client => client.ShopifyAsync("orders/create", order, webhookId)));
        Assert.All(answers, answer => Assert.Equal(HttpStatusCode.OK, answer.StatusCode));
        var outcomes = await Task.WhenAll(answers.Select(answer => answer.OutcomeAsync()));
        Assert.Equal(["applied", "duplicate"], outcomes.Select(outcome => outcome.Outcome).Order());

        // One confirmation: the fulfillment's notice comes after it, and only then is "no second one" a fact.
        var fulfillment = Webhooks.Load("shopify-fulfillments-create");
        fulfillment["order_id"] = JsonValue.Create(long.Parse(orderId));
        Assert.Equal("applied", (await (await clients[1].ShopifyAsync("fulfillments/create", fulfillment)).OutcomeAsync()).Outcome);
        var mails = await _smtp.WaitForAsync(email, 2, TimeSpan.FromSeconds(60));
        Assert.Single(_smtp.To(email), mail => mail.Subject == mails[0].Subject);

        // Each API process shows every delivery, wherever it came in; a forged one is refused and changes nothing.
        Assert.Equal(HttpStatusCode.Unauthorized, (await clients[0].ShopifyAsync("orders/cancelled", order, secret: "forged-secret-0123456789abcdef")).StatusCode);
        foreach (var url in urls)
        {
            using var operatorClient = new HttpClient { BaseAddress = new Uri(url) };
            operatorClient.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", OperatorKey);
            var deliveries = await (await operatorClient.GetAsync("/api/v1/connectors/deliveries?provider=shopify")).ReadJsonAsync();
            Assert.Equal(["applied", "applied", "duplicate", "refused"], deliveries.EnumerateArray().Select(d => d.GetProperty("outcome").GetString()).Order());
            var view = await (await operatorClient.GetAsync($"/api/v1/orders/{orderId}")).ReadJsonAsync();
            Assert.Equal(JsonValueKindNull, view.GetProperty("cancelledAt").ValueKind);
        }

        output.WriteLine($"Two API processes, one delivery: {string.Join(", ", outcomes.Select(o => o.Outcome))}; {_smtp.To(email).Count()} mails to the shopper.");
    }

    private const System.Text.Json.JsonValueKind JsonValueKindNull = System.Text.Json.JsonValueKind.Null;

    private ProductProcess Start(string name, string project, string assembly, Dictionary<string, string> environment)
    {
        var process = ProductProcess.Start(name, project, assembly, _directory, environment);
        _processes.Add(process);
        return process;
    }
}
