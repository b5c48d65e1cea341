using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Npgsql;
using Orleans.Recovery.Testing;
using Xunit.Abstractions;

namespace Orleans.Recovery.Cluster.Tests.Security;

/// <summary>
/// An erase on PostgreSQL as an auditor would check it (issue 26, items 1 and 2): the product in Production on its own
/// database, a shopper who was mailed, bought and left a lead, then erased. Once the vacuum the erase scheduled has run,
/// a CHECKPOINT writes everything out, and no file of the database holds the address, its old unkeyed hash or the shop's
/// customer id; what stays is counted under a random key, and the address is still suppressed.
/// </summary>
[Collection(PostgresCollection.Name)]
[Trait("Category", "Cluster")]
public sealed class ErasureOnPostgresTests(PostgresFixture postgres, ITestOutputHelper output) : IAsyncLifetime
{
    private const string StorefrontKey = "erasure-test-storefront-key-0123";
    private const string OperatorKey = "erasure-test-operator-key-01234";

    private readonly string _directory = Directory.CreateTempSubdirectory("recovery-erasure-").FullName;
    private readonly List<ProductProcess> _processes = [];
    private SmtpSink _smtp = null!;

    public async Task InitializeAsync() => _smtp = await SmtpSink.StartAsync();

    public async Task DisposeAsync()
    {
        _processes.ForEach(process => process.Dispose());
        await _smtp.DisposeAsync();
    }

    [Fact]
    public async Task AfterAnEraseAndItsVacuumNoTableFileHoldsTheAddressItsUnkeyedHashOrTheShopsCustomerId()
    {
        var (database, _) = await postgres.Server.CreateProductDatabaseAsync("erasure");
        var url = $"http://127.0.0.1:{FreePort.Next()}";
        var api = ProductProcess.Start("api-erasure", "Api", "Orleans.Recovery.Api", _directory, new Dictionary<string, string>
        {
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_URLS"] = url,
            ["Recovery__Storage"] = "PostgreSQL",
            ["ConnectionStrings__Recovery"] = database,
            ["Recovery__Silo__SiloPort"] = FreePort.Next().ToString(),
            ["Recovery__Silo__GatewayPort"] = FreePort.Next().ToString(),
            ["Recovery__Links__SigningKey"] = Convert.ToBase64String(Encoding.ASCII.GetBytes("erasure-test-link-signing-key-0123456789")),
            ["Recovery__ApiKeys__Storefront"] = StorefrontKey,
            ["Recovery__ApiKeys__Operator"] = OperatorKey,
            ["Recovery__Smtp__Host"] = "127.0.0.1",
            ["Recovery__Smtp__Port"] = _smtp.Port.ToString(),
            ["Recovery__Smtp__Security"] = "None",
            ["Recovery__QuietHours__Enabled"] = "false",
            ["Recovery__Flows__CartAbandonment__Steps__0__Delay"] = "00:00:02",
            ["Recovery__Privacy__VacuumDelay"] = "00:00:00",
        });
        _processes.Add(api);
        try
        {
            await api.WaitUntilReadyAsync(url, TimeSpan.FromSeconds(90));
            using var storefront = Client(url, StorefrontKey);
            using var operatorClient = Client(url, OperatorKey);

            // A shopper the engine knows well: a cart, its reminder, an order, a lead and the shop's own customer id.
            var email = Bodies.NewEmail();
            const string shopCustomerId = "shop-customer-8c41d7";
            var cartId = Bodies.NewId("cart");
            var cart = Bodies.Cart(cartId, email);
            cart["customer"]!["customerId"] = shopCustomerId;
            Assert.Equal(HttpStatusCode.NoContent, (await storefront.PutCartAsync(cartId, cart)).StatusCode);
            await _smtp.WaitForAsync(email, 1, TimeSpan.FromSeconds(60));
            var order = Bodies.Order("o-" + cartId, cartId, email);
            order["customer"]!["customerId"] = shopCustomerId;
            Assert.Equal(HttpStatusCode.Created, (await storefront.PostAsync("/api/v1/orders", Bodies.Json(order))).StatusCode);
            await Eventually.TrueAsync(async () => await CountAsync(database, $"SELECT COUNT(*) FROM recovery_orders WHERE customer_key = '{TestCustomerKeys.Of(email)}'") == 1,
                TimeSpan.FromSeconds(30), "the order in the ledger");

            // The order's confirmation too: every mail the shopper gets before the erase is in.
            await _smtp.WaitForAsync(email, 2, TimeSpan.FromSeconds(60));
            var mailedBefore = _smtp.To(email).Count();
            var erased = await (await operatorClient.PostAsync("/api/v1/customers/erase", Bodies.Json(new JsonObject { ["email"] = email }))).EnsureSuccessStatusCode().ReadJsonAsync();
            var scheduled = erased.GetProperty("vacuumScheduledAt").GetDateTimeOffset();
            output.WriteLine($"erase answered; vacuum scheduled for {scheduled:O}");

            await Eventually.TrueAsync(async () => await CountAsync(database, "SELECT COUNT(*) FROM recovery_maintenance WHERE task = 'erase-vacuum'") == 1,
                TimeSpan.FromSeconds(60), "the vacuum after the erase");

            var files = await postgres.Server.CheckpointedDatabaseFilesAsync(database);
            var traces = new Dictionary<string, byte[]>
            {
                ["the address"] = Encoding.UTF8.GetBytes(email),
                ["its unkeyed hash"] = Encoding.ASCII.GetBytes(TestCustomerKeys.Unkeyed(email)),
                ["the shop's customer id"] = Encoding.ASCII.GetBytes(shopCustomerId),
            };
            var searched = 0L;
            foreach (var file in Directory.EnumerateFiles(files))
            {
                var bytes = await File.ReadAllBytesAsync(file);
                searched += bytes.Length;
                foreach (var (what, trace) in traces)
                {
                    Assert.True(bytes.AsSpan().IndexOf(trace) < 0, $"{file} still holds {what}");
                }
            }

            output.WriteLine($"searched {searched:N0} bytes in {Directory.EnumerateFiles(files).Count()} files of {files}");
            Assert.True(searched > 0);

            // The counts stay under a key that leads nowhere, and the address is still never mailed.
            Assert.Equal(0, await CountAsync(database, $"SELECT COUNT(*) FROM recovery_messages WHERE customer_key = '{TestCustomerKeys.Of(email)}'"));
            Assert.True(await CountAsync(database, "SELECT COUNT(*) FROM recovery_messages WHERE customer_key LIKE 'x%'") > 0);
            var again = Bodies.NewId("cart");
            Assert.Equal(HttpStatusCode.NoContent, (await storefront.PutCartAsync(again, Bodies.Cart(again, email))).StatusCode);
            await Eventually.TrueAsync(async () => (await operatorClient.GetAsync($"/api/v1/carts/{again}")).IsSuccessStatusCode
                && (await (await operatorClient.GetAsync($"/api/v1/carts/{again}")).ReadJsonAsync()).GetProperty("messages").EnumerateArray().Any(m => m.GetProperty("reason").GetString() == "erased"),
                TimeSpan.FromSeconds(60), "the new cart's step to be skipped as erased");
            Assert.Equal(mailedBefore, _smtp.To(email).Count());
        }
        catch
        {
            output.WriteLine(api.Tail());
            throw;
        }
    }

    private static async Task<long> CountAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    private static HttpClient Client(string url, string key)
    {
        var client = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }
}
