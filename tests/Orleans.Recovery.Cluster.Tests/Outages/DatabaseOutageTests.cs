using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Orleans.Recovery.Carts;
using Orleans.Recovery.Customers;
using Orleans.Recovery.Links;
using Orleans.Recovery.Testing;
using Xunit.Abstractions;

namespace Orleans.Recovery.Cluster.Tests.Outages;

/// <summary>
/// The product on the README's PostgreSQL, as an operator runs it, with a role of its own that the test locks out of
/// the server for a few seconds (<c>ALTER ROLE … NOLOGIN</c> and <c>pg_terminate_backend</c>), as a failover does.
/// </summary>
[Collection(PostgresCollection.Name)]
[Trait("Category", "Cluster")]
public sealed partial class DatabaseOutageTests(PostgresFixture postgres, ITestOutputHelper output) : IAsyncLifetime
{
    private const string StorefrontKey = "outage-test-storefront-key-0123";
    private const string OperatorKey = "outage-test-operator-key-0123";
    private static readonly TimeSpan StepDelay = TimeSpan.FromSeconds(40);
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    private readonly string _directory = Directory.CreateTempSubdirectory("recovery-outage-").FullName;
    private readonly byte[] _signingKey = RandomNumberGenerator.GetBytes(32);
    private readonly List<ProductProcess> _processes = [];
    private SmtpSink _smtp = null!;

    public async Task InitializeAsync() => _smtp = await SmtpSink.StartAsync();

    public async Task DisposeAsync()
    {
        _processes.ForEach(process => process.Dispose());
        await _smtp.DisposeAsync();
    }

    [Fact]
    public async Task CallsRefusedWhileTheDatabaseIsGoneAre503sTheirRetriesAreStoredAndNoShopperIsMailedAfterThem() => await Logged(async () =>
    {
        var (database, role) = await postgres.Server.CreateProductDatabaseAsync("outage");
        var url = $"http://127.0.0.1:{FreePort.Next()}";
        var settings = Settings(database, url);
        var api = Start("api", settings);
        await api.WaitUntilReadyAsync(url, StartTimeout);
        using var storefront = Client(url, StorefrontKey);
        using var browser = Client(url, null);
        using var operatorClient = Client(url, OperatorKey);

        // A coupon of ours, from a failed payment's third reminder, with the flow made seconds long for the while.
        var definition = JsonNode.Parse((await ViewAsync(operatorClient, "/api/v1/flows/incomplete-payment")).GetProperty("definition").GetRawText())!;
        for (var step = 0; step < 3; step++)
        {
            definition["steps"]![step]!["delay"] = TimeSpan.FromSeconds(2 * (step + 1)).ToString();
        }

        Assert.Equal(HttpStatusCode.OK, (await operatorClient.PutAsync("/api/v1/flows/incomplete-payment", Bodies.Json(definition))).StatusCode);
        var discounted = await PendingPaymentAsync(storefront);
        var third = (await _smtp.WaitForAsync(discounted.Email, 3, TimeSpan.FromSeconds(60)))[2];
        var coupon = CouponCode().Match(third.TextBody!).Groups[1].Value;
        Assert.NotEmpty(coupon);
        Assert.Equal(HttpStatusCode.OK, (await operatorClient.DeleteAsync("/api/v1/flows/incomplete-payment")).StatusCode);

        // Pending work: two carts and two orders whose first reminder falls due in 40 s.
        var paid = await PendingPaymentAsync(storefront);
        var cancelled = await PendingPaymentAsync(storefront);
        var deleted = await CartAsync(storefront);
        var stopped = await CartAsync(storefront);
        var stopLink = new Uri(Tokens().Link(LinkPurpose.Unsubscribe, UnsubscribePayload.Of(TestCustomerKeys.Of(stopped.Email), AbandonedCartPlan.MessageId(stopped.Id, 0)), DateTimeOffset.UtcNow, "de")).PathAndQuery;
        var calls = new (string What, Func<Task<HttpResponseMessage>> Call)[]
        {
            ("payment-succeeded", () => storefront.PostAsync($"/api/v1/orders/{paid.Id}/payment-succeeded", null)),
            ("cancelled", () => storefront.PostAsync($"/api/v1/orders/{cancelled.Id}/cancelled", null)),
            ("DELETE cart", () => storefront.DeleteAsync($"/api/v1/carts/{deleted.Id}")),
            ("stop this cart", () => browser.PostAsync(stopLink, new FormUrlEncodedContent([KeyValuePair.Create("scope", "this-cart")]))),
            ("redeem", () => storefront.PostAsync($"/api/v1/coupons/{coupon}/redeem", Bodies.Json(new JsonObject { ["orderId"] = discounted.Id }))),
        };

        await postgres.Server.LockOutAsync(role);
        try
        {
            foreach (var (what, call) in calls)
            {
                var refused = await call();
                Assert.True(refused.StatusCode == HttpStatusCode.ServiceUnavailable, $"{what} answered {(int)refused.StatusCode} while the database was gone: {await refused.Content.ReadAsStringAsync()}");
                Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero, $"{what}: Retry-After");
            }

            await Eventually.TrueAsync(async () => (await browser.GetAsync("/health/ready")).StatusCode == HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(20), "readiness to say the database is gone");
        }
        finally
        {
            await postgres.Server.LetInAsync(role);
        }

        // The storefront retries until the database is back: never a 500, and every retry ends stored.
        foreach (var (what, call) in calls)
        {
            await Eventually.TrueAsync(async () =>
            {
                var answer = await call();
                Assert.True(answer.IsSuccessStatusCode || answer.StatusCode == HttpStatusCode.ServiceUnavailable, $"{what} answered {(int)answer.StatusCode}: {await answer.Content.ReadAsStringAsync()}");
                return answer.IsSuccessStatusCode;
            }, TimeSpan.FromSeconds(30), $"{what} to be taken once the database is back");
        }

        // The payment that was retried brings its order's confirmation.
        await _smtp.WaitForAsync(paid.Email, 1, TimeSpan.FromSeconds(30));

        // A restart reads everything from the database: what the retries changed is there, and nothing of it is undone.
        await api.TerminateAsync(TimeSpan.FromSeconds(45));
        var restarted = Start("api-restarted", settings);
        await restarted.WaitUntilReadyAsync(url, StartTimeout);
        using var afterRestart = Client(url, OperatorKey);
        Assert.NotEqual(System.Text.Json.JsonValueKind.Null, (await ViewAsync(afterRestart, $"/api/v1/orders/{paid.Id}")).GetProperty("paidAt").ValueKind);
        Assert.NotEqual(System.Text.Json.JsonValueKind.Null, (await ViewAsync(afterRestart, $"/api/v1/orders/{cancelled.Id}")).GetProperty("cancelledAt").ValueKind);
        Assert.Equal("deleted", (await ViewAsync(afterRestart, $"/api/v1/carts/{deleted.Id}")).GetProperty("status").GetString());
        Assert.NotEqual(System.Text.Json.JsonValueKind.Null, (await ViewAsync(afterRestart, $"/api/v1/carts/{stopped.Id}")).GetProperty("remindersStoppedAt").ValueKind);
        using var storefrontAfter = Client(url, StorefrontKey);
        Assert.Equal("redeemed", (await ViewAsync(storefrontAfter, $"/api/v1/coupons/{coupon}")).GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await storefrontAfter.PostAsync($"/api/v1/coupons/{coupon}/redeem", Bodies.Json(new JsonObject { ["orderId"] = Bodies.NewId("order") }))).StatusCode);

        // A cart put in now is reminded after every step the retried calls stopped was due: once its reminder is
        // here, theirs would have been too.
        var control = await CartAsync(storefrontAfter);
        await _smtp.WaitForAsync(control.Email, 1, StepDelay + TimeSpan.FromSeconds(60));
        foreach (var shopper in new[] { paid, cancelled, deleted, stopped })
        {
            Assert.DoesNotContain(_smtp.To(shopper.Email), message => message.Headers.Contains("List-Unsubscribe"));
        }


        output.WriteLine($"Refused while the role was locked out: {calls.Length} calls, 503 each; retried and stored after it; {_smtp.Messages.Count} mails in all, the control cart's reminder among them.");
    });

    [Fact]
    public async Task TheApiAsAClusterClientAnswers503ForCallsTheSilosCouldNotStore() => await Logged(async () =>
    {
        var (database, role) = await postgres.Server.CreateProductDatabaseAsync("client");
        var cluster = new Dictionary<string, string>(Settings(database, ""))
        {
            ["Recovery__Clustering"] = "AdoNet",
            ["Recovery__ClusterId"] = $"outage-{Guid.NewGuid():N}"[..16],
        };
        cluster.Remove("ASPNETCORE_URLS");
        var siloUrl = $"http://127.0.0.1:{FreePort.Next()}";
        var silo = Start("silo", new(cluster) { ["Recovery__Silo__HealthPort"] = new Uri(siloUrl).Port.ToString() }, "Silo", "Orleans.Recovery.Silo");
        await silo.WaitUntilAsync(siloUrl, "/health/ready", StartTimeout);
        var url = $"http://127.0.0.1:{FreePort.Next()}";
        var api = Start("api-client", new(cluster) { ["ASPNETCORE_URLS"] = url });
        await api.WaitUntilReadyAsync(url, StartTimeout);
        using var storefront = Client(url, StorefrontKey);
        var known = await PendingPaymentAsync(storefront);

        await postgres.Server.LockOutAsync(role);
        try
        {
            // An order the silo holds, whose write fails, and one it must first read, whose read fails: both are 503s.
            foreach (var orderId in new[] { known.Id, Bodies.NewId("order") })
            {
                var refused = await storefront.PostAsync($"/api/v1/orders/{orderId}/payment-succeeded", null);
                Assert.True(refused.StatusCode == HttpStatusCode.ServiceUnavailable, $"{(int)refused.StatusCode}: {await refused.Content.ReadAsStringAsync()}");
                Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            }

            // The silo's own readiness says so too.
            using var probe = Client(siloUrl, null);
            await Eventually.TrueAsync(async () => (await probe.GetAsync("/health/ready")).StatusCode == HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(20), "the silo's readiness to say the database is gone");
        }
        finally
        {
            await postgres.Server.LetInAsync(role);
        }

        await Eventually.TrueAsync(async () => (await storefront.PostAsync($"/api/v1/orders/{known.Id}/payment-succeeded", null)).IsSuccessStatusCode, TimeSpan.FromSeconds(30), "the payment to be taken once the database is back");
        await _smtp.WaitForAsync(known.Email, 1, TimeSpan.FromSeconds(30));
    });

    [Fact]
    public async Task AFloodOfReadinessProbesOpensNoDatabaseConnection() => await Logged(async () =>
    {
        var (database, role) = await postgres.Server.CreateProductDatabaseAsync("probes");
        var url = $"http://127.0.0.1:{FreePort.Next()}";
        var api = Start("api-probes", Settings(database, url));
        await api.WaitUntilReadyAsync(url, StartTimeout);
        var connections = $"SELECT count(*) FROM pg_stat_activity WHERE usename = '{role}'";
        var before = await postgres.Server.ScalarAsync(connections);

        using var probe = Client(url, null);
        var answers = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => probe.GetAsync("/health/ready")));

        Assert.All(answers, answer => Assert.Equal(HttpStatusCode.OK, answer.StatusCode));
        var after = await postgres.Server.ScalarAsync(connections);
        output.WriteLine($"Connections of the product's role: {before} before 200 concurrent probes, {after} after.");
        Assert.True(after <= before, $"{before} connections before 200 probes, {after} after");
    });

    [Fact]
    public async Task WhileTheDatabaseIsGoneTheConsoleAsksToSignInRefusesANewSessionWith503AndTheOpenOneWorksAfter() => await Logged(async () =>
    {
        var (database, role) = await postgres.Server.CreateProductDatabaseAsync("console");
        var url = $"http://127.0.0.1:{FreePort.Next()}";
        var api = Start("api-console", Settings(database, url));
        await api.WaitUntilReadyAsync(url, StartTimeout);
        using var browser = Client(url, null);
        var operatorsCookies = new Dictionary<string, string>();
        var signedIn = await SignInAsync(browser, operatorsCookies);
        Assert.Equal((HttpStatusCode.Redirect, "/console"), (signedIn.StatusCode, signedIn.Headers.Location?.AbsolutePath));
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(browser, operatorsCookies, "/console/sessions")).StatusCode);

        await postgres.Server.LockOutAsync(role);
        try
        {
            // The session cannot be checked: the console asks to sign in, and keeps the cookie.
            var asked = await GetAsync(browser, operatorsCookies, "/console/sessions");
            Assert.Equal(HttpStatusCode.Redirect, asked.StatusCode);
            Assert.Equal("/console/sign-in", asked.Headers.Location?.AbsolutePath);

            // Nor can a new one be opened: a 503 that says why, never a 500.
            var refused = await SignInAsync(browser, []);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Contains("The database cannot be reached", await refused.Content.ReadAsStringAsync());
        }
        finally
        {
            await postgres.Server.LetInAsync(role);
        }

        await Eventually.TrueAsync(async () => (await GetAsync(browser, operatorsCookies, "/console/sessions")).StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(30), "the open session to work again once the database is back");
    });

    /// <summary>Signs in as a browser does, through the page's form; <paramref name="cookies"/> plays the browser's cookie jar.</summary>
    private static async Task<HttpResponseMessage> SignInAsync(HttpClient browser, Dictionary<string, string> cookies)
    {
        var page = await GetAsync(browser, cookies, "/console/sign-in");
        var fields = HiddenField().Matches(await page.Content.ReadAsStringAsync())
            .Select(match => KeyValuePair.Create(WebUtility.HtmlDecode(match.Groups[1].Value), WebUtility.HtmlDecode(match.Groups[2].Value)))
            .Append(KeyValuePair.Create("Form.Key", OperatorKey));
        return await SendAsync(browser, cookies, new HttpRequestMessage(HttpMethod.Post, "/console/sign-in") { Content = new FormUrlEncodedContent(fields) });
    }

    private static Task<HttpResponseMessage> GetAsync(HttpClient browser, Dictionary<string, string> cookies, string path) =>
        SendAsync(browser, cookies, new HttpRequestMessage(HttpMethod.Get, path));

    /// <summary>
    /// Sends the cookies and keeps those set: by hand, since outside Development they are Secure and .NET's cookie
    /// container sends no Secure cookie over plain HTTP, where a browser does to 127.0.0.1.
    /// </summary>
    private static async Task<HttpResponseMessage> SendAsync(HttpClient browser, Dictionary<string, string> cookies, HttpRequestMessage request)
    {
        if (cookies.Count > 0)
        {
            request.Headers.Add("Cookie", string.Join("; ", cookies.Select(cookie => $"{cookie.Key}={cookie.Value}")));
        }

        var response = await browser.SendAsync(request);
        foreach (var set in response.Headers.TryGetValues("Set-Cookie", out var values) ? values : [])
        {
            var pair = set.Split(';')[0].Split('=', 2);
            if (set.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase))
            {
                cookies.Remove(pair[0]);
            }
            else
            {
                cookies[pair[0]] = pair[1];
            }
        }

        return response;
    }

    [System.Text.RegularExpressions.GeneratedRegex("<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]*)\"")]
    private static partial System.Text.RegularExpressions.Regex HiddenField();

    private Dictionary<string, string> Settings(string database, string url) => new()
    {
        ["ASPNETCORE_URLS"] = url,
        ["Recovery__Storage"] = "PostgreSQL",
        ["ConnectionStrings__Recovery"] = database,
        ["Recovery__Silo__SiloPort"] = FreePort.Next().ToString(),
        ["Recovery__Silo__GatewayPort"] = FreePort.Next().ToString(),
        ["Recovery__Links__SigningKey"] = Convert.ToBase64String(_signingKey),
        ["Recovery__ApiKeys__Storefront"] = StorefrontKey,
        ["Recovery__ApiKeys__Operator"] = OperatorKey,
        ["Recovery__Smtp__Host"] = "127.0.0.1",
        ["Recovery__Smtp__Port"] = _smtp.Port.ToString(),
        ["Recovery__Smtp__Security"] = "None",
        ["Recovery__QuietHours__Enabled"] = "false",
        ["Recovery__Flows__CartAbandonment__Steps__0__Delay"] = StepDelay.ToString(),
        ["Recovery__Flows__IncompletePayment__Steps__0__Delay"] = StepDelay.ToString(),
    };

    private LinkTokens Tokens()
    {
        var options = new LinkOptions { SigningKey = Convert.ToBase64String(_signingKey) };
        options.ResolveKey();
        return new LinkTokens(Options.Create(options), TimeProvider.System);
    }

    private sealed record Shopper(string Id, string Email);

    private static async Task<Shopper> CartAsync(HttpClient storefront)
    {
        var shopper = new Shopper(Bodies.NewId("cart"), Bodies.NewEmail());
        Assert.Equal(HttpStatusCode.NoContent, (await storefront.PutCartAsync(shopper.Id, Bodies.Cart(shopper.Id, shopper.Email))).StatusCode);
        return shopper;
    }

    private static async Task<Shopper> PendingPaymentAsync(HttpClient storefront)
    {
        var shopper = new Shopper(Bodies.NewId("order"), Bodies.NewEmail());
        var order = Bodies.Order(shopper.Id, null, shopper.Email);
        order["paymentStatus"] = "pending";
        Assert.Equal(HttpStatusCode.Created, (await storefront.PostAsync("/api/v1/orders", Bodies.Json(order))).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await storefront.PostAsync($"/api/v1/orders/{shopper.Id}/payment-failed", Bodies.Json(new JsonObject { ["reason"] = "declined", ["retryUrl"] = "https://shop.test/pay" }))).StatusCode);
        return shopper;
    }

    private static async Task<System.Text.Json.JsonElement> ViewAsync(HttpClient operatorClient, string path)
    {
        var response = await operatorClient.GetAsync(path);
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode}");
        return await response.ReadJsonAsync();
    }

    private static HttpClient Client(string url, string? key)
    {
        var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(60) };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return client;
    }

    private ProductProcess Start(string name, Dictionary<string, string> settings, string project = "Api", string assembly = "Orleans.Recovery.Api")
    {
        var variables = new Dictionary<string, string>(settings)
        {
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
        };
        var process = ProductProcess.Start(name, project, assembly, _directory, variables);
        _processes.Add(process);
        return process;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"off: (\S+OFF-[A-Z0-9]{5}-[A-Z0-9]{5})")]
    private static partial System.Text.RegularExpressions.Regex CouponCode();

    /// <summary>Runs the scenario; when it fails, the processes' last log lines are in the test's output.</summary>
    private async Task Logged(Func<Task> scenario)
    {
        try
        {
            await scenario();
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
}
