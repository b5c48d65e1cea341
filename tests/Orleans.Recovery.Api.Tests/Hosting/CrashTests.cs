using System.Net;
using System.Net.Http.Headers;
using Orleans.Recovery.Testing;

namespace Orleans.Recovery.Api.Tests.Hosting;

/// <summary>
/// The product as an operator runs it: a real process on a SQLite file, killed with SIGKILL and started again.
/// The clock here is the real one, so the first step is due two seconds after each cart's last activity.
/// </summary>
[Trait("Category", "Cluster")]
public sealed class CrashTests(SmtpFixture smtpFixture) : IClassFixture<SmtpFixture>
{
    private readonly SmtpSink _smtp = smtpFixture.Smtp;
    private readonly string _data = Directory.CreateTempSubdirectory("recovery-crash-").FullName;
    private readonly int _httpPort = FreePort.Next();
    private readonly int _siloPort = FreePort.Next();
    private readonly int _gatewayPort = FreePort.Next();

    [Fact]
    public async Task AKilledProcessLosesNothingAndSendsNothingTwice()
    {
        var carts = Enumerable.Range(0, 6).Select(_ => (Id: Bodies.NewId("cart"), Email: Bodies.NewEmail())).ToArray();
        var bought = carts[..2];
        var abandoned = carts[2..];

        using (var first = await StartAsync())
        {
            using var client = Client(RecoveryApiFactory.StorefrontKey);
            foreach (var (id, email) in carts)
            {
                Assert.Equal(HttpStatusCode.NoContent, (await client.PutCartAsync(id, Bodies.Cart(id, email))).StatusCode);
            }

            foreach (var (id, email) in bought)
            {
                Assert.Equal(HttpStatusCode.Created, (await client.PostAsync("/api/v1/orders", Bodies.Json(Bodies.Order(Bodies.NewId("order"), id, email)))).StatusCode);
            }

            await first.KillAsync();
        }

        // Stay down until step 1 is overdue. The process's clock is the real one; nothing here can move it.
        var lastActivity = DateTimeOffset.UtcNow;
        await Task.Delay(TimeSpan.FromSeconds(4));

        // The restarted process must send the overdue step, once, within about a minute: the reminder's next
        // period boundary, plus start-up.
        var restartedAt = DateTimeOffset.UtcNow;
        using var second = await StartAsync();
        try
        {
            await Eventually.TrueAsync(() => abandoned.All(cart => _smtp.To(cart.Email).Any()), TimeSpan.FromSeconds(150), "step 1 of every abandoned cart");

            using var operatorClient = Client(RecoveryApiFactory.OperatorKey);
            foreach (var (id, email) in abandoned)
            {
                Assert.Single(_smtp.To(email));
                var view = (await operatorClient.CartViewAsync(id))!.Value;
                Assert.Equal(2, view.GetProperty("nextStep").GetInt32());
                var sent = Assert.Single(view.GetProperty("messages").EnumerateArray(), m => m.GetProperty("status").GetString() == "sent");
                Assert.True(sent.GetProperty("dueAt").GetDateTimeOffset() < lastActivity.AddSeconds(3), "the step was due while the process was down");
                Assert.InRange(sent.GetProperty("at").GetDateTimeOffset(), restartedAt, restartedAt.AddSeconds(90));
            }

            // Their orders' confirmations do arrive; no recovery email, which is marketing and carries List-Unsubscribe.
            Assert.All(bought, cart => Assert.DoesNotContain(_smtp.To(cart.Email), m => m.Headers.Contains("List-Unsubscribe")));
        }
        finally
        {
            await second.KillAsync();
        }
    }

    private async Task<ProductProcess> StartAsync()
    {
        var process = ProductProcess.Start("api", "Api", "Orleans.Recovery.Api", _data, new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{_httpPort}",
            ["ConnectionStrings__Recovery"] = $"Data Source={Path.Combine(_data, "recovery.db")}",
            ["Recovery__Silo__SiloPort"] = _siloPort.ToString(),
            ["Recovery__Silo__GatewayPort"] = _gatewayPort.ToString(),
            ["Recovery__ApiKeys__Storefront"] = RecoveryApiFactory.StorefrontKey,
            ["Recovery__ApiKeys__Operator"] = RecoveryApiFactory.OperatorKey,
            ["Recovery__Smtp__Host"] = "127.0.0.1",
            ["Recovery__Smtp__Port"] = _smtp.Port.ToString(),
            ["Recovery__Smtp__Security"] = "None",
            // Tests run at any hour; quiet hours have tests of their own, and one shopper gets every step here.
            ["Recovery__QuietHours__Enabled"] = "false",
            ["Recovery__Flows__CartAbandonment__Steps__0__Delay"] = "00:00:02",
            ["Recovery__Flows__CartAbandonment__Steps__1__Delay"] = "1.00:00:00",
            ["Recovery__Flows__CartAbandonment__Steps__2__Delay"] = "3.00:00:00",
        });

        await process.WaitUntilReadyAsync($"http://127.0.0.1:{_httpPort}", TimeSpan.FromSeconds(60));
        return process;
    }

    private HttpClient Client(string? key)
    {
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_httpPort}") };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return client;
    }
}
