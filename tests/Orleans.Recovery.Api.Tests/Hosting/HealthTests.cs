using System.Net;

namespace Orleans.Recovery.Api.Tests.Hosting;

public sealed class HealthTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task LivenessAndReadinessAnswerWithoutAKey()
    {
        var client = fixture.Api.Anonymous();

        var live = await client.GetAsync("/health/live");
        var ready = await client.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        var checks = (await ready.ReadJsonAsync()).GetProperty("checks");
        Assert.Equal(["database", "mail", "silo"], checks.EnumerateObject().Select(c => c.Name).Order());
        Assert.All(checks.EnumerateObject(), check => Assert.Equal("Healthy", check.Value.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task ReadinessFailsWhileTheMailRelayIsDown()
    {
        await fixture.Smtp.StopAsync();
        try
        {
            var ready = await fixture.Api.Anonymous().GetAsync("/health/ready");

            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Equal("Unhealthy", (await ready.ReadJsonAsync()).GetProperty("checks").GetProperty("mail").GetProperty("status").GetString());
        }
        finally
        {
            await fixture.Smtp.StartListeningAsync();
        }
    }
}
