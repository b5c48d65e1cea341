using System.Net;

namespace Orleans.Recovery.Api.Tests.Hosting;

/// <summary>
/// Probes as a platform sees them: public, frequent, on the host that also serves the links in emails. They must not
/// wear out the SMTP relay, and must not tell strangers where it is.
/// </summary>
[Trait("Category", "Api")]
public sealed class HealthTests(SmtpFixture smtpFixture) : IClassFixture<SmtpFixture>
{
    private readonly SmtpSink _smtp = smtpFixture.Smtp;

    [Fact]
    public async Task LivenessAndReadinessAnswerWithoutAKeyWithEachChecksStatusOnly()
    {
        await using var api = new RecoveryApiFactory(_smtp);
        var client = api.Anonymous();

        var live = await client.GetAsync("/health/live");
        var ready = await client.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        var body = await ready.Content.ReadAsStringAsync();
        var checks = (await ready.ReadJsonAsync()).GetProperty("checks");
        Assert.Equal(["bounce-mailbox", "database", "mail", "silo"], checks.EnumerateObject().Select(c => c.Name).Order());
        Assert.All(checks.EnumerateObject(), check => Assert.Equal(["status"], check.Value.EnumerateObject().Select(p => p.Name)));
        Assert.All(checks.EnumerateObject(), check => Assert.Equal("Healthy", check.Value.GetProperty("status").GetString()));
        Assert.DoesNotContain(_smtp.Port.ToString(), body);
        Assert.DoesNotContain("127.0.0.1", body);
    }

    [Fact]
    public async Task TheOperatorKeyShowsWhatEachCheckFound()
    {
        await using var api = new RecoveryApiFactory(_smtp);

        var ready = await api.Operator().GetAsync("/health/ready");
        var storefrontReady = await api.Storefront().GetAsync("/health/ready");

        var checks = (await ready.ReadJsonAsync()).GetProperty("checks");
        Assert.Equal($"smtp://127.0.0.1:{_smtp.Port}", checks.GetProperty("mail").GetProperty("description").GetString());
        Assert.StartsWith("Sqlite:", checks.GetProperty("database").GetProperty("description").GetString());
        Assert.Equal("off: Recovery:Bounces:Imap:Host is not set", checks.GetProperty("bounce-mailbox").GetProperty("description").GetString());
        Assert.DoesNotContain(_smtp.Port.ToString(), await storefrontReady.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task FortyProbesOpenAtMostOneSessionAtTheRelay()
    {
        await using var relay = await SmtpSink.StartAsync();
        await using var api = new RecoveryApiFactory(relay);
        var client = api.Anonymous();
        _ = api.Server;
        var before = relay.Sessions;

        // Twenty at once, then twenty one after another, as a flood and a busy load balancer would send them.
        var together = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => client.GetAsync("/health/ready")));
        var inTurn = new List<HttpResponseMessage>();
        for (var i = 0; i < 20; i++)
        {
            inTurn.Add(await client.GetAsync("/health/ready"));
        }

        Assert.All(together.Concat(inTurn), response => Assert.Equal(HttpStatusCode.OK, response.StatusCode));
        Assert.InRange(relay.Sessions - before, 0, 1);
    }

    [Fact]
    public async Task ReadinessFailsOnceTheMailRelayIsDownForTheCheckInterval()
    {
        await using var relay = await SmtpSink.StartAsync();
        await using var api = new RecoveryApiFactory(relay, settings: new Dictionary<string, string?> { ["Recovery:Health:MailCheckInterval"] = "00:00:01" });
        var client = api.Anonymous();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);

        await relay.StopAsync();

        // The check interval passes on the engine's one clock, which the test moves.
        await Eventually.TrueAsync(async () =>
        {
            api.Clock.Advance(TimeSpan.FromSeconds(1));
            return (await client.GetAsync("/health/ready")).StatusCode == HttpStatusCode.ServiceUnavailable;
        }, TimeSpan.FromSeconds(15), "readiness to fail");
        var ready = await client.GetAsync("/health/ready");
        Assert.Equal("Unhealthy", (await ready.ReadJsonAsync()).GetProperty("checks").GetProperty("mail").GetProperty("status").GetString());
        Assert.Equal("no-store", ready.Headers.CacheControl?.ToString());
    }

    [Fact]
    public async Task ABadMailCheckIntervalStopsStartUpNamingTheKey()
    {
        await using var api = new RecoveryApiFactory(_smtp, settings: new Dictionary<string, string?> { ["Recovery:Health:MailCheckInterval"] = "00:00:00" });

        var failure = Record.Exception(() => api.Server);

        Assert.Contains("Recovery:Health:MailCheckInterval", failure?.ToString());
    }
}
