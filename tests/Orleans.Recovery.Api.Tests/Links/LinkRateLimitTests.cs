using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Recovery.Api.Links;
using Orleans.Recovery.Customers;
using Orleans.Recovery.Links;

namespace Orleans.Recovery.Api.Tests.Links;

/// <summary>
/// The public links' rate limits over real sockets: a genuine link is never limited by the address it comes from,
/// a made-up one is limited hard per client, and a client's address comes from a configured proxy's headers only.
/// </summary>
[Trait("Category", "Api")]
public sealed class LinkRateLimitTests(SmtpFixture smtpFixture) : IClassFixture<SmtpFixture>
{
    private readonly SmtpSink _smtp = smtpFixture.Smtp;

    [Fact]
    public async Task AThousandOneClickUnsubscribesFromOneMailboxProviderAllSucceed()
    {
        await using var api = new RecoveryApiFactory(_smtp, realServer: true);
        api.StartServer();
        var tokens = api.Services.GetRequiredService<LinkTokens>();
        var emails = Enumerable.Range(0, 1000).Select(_ => Bodies.NewEmail()).ToList();
        var links = emails.Select(email => new Uri(tokens.Link(LinkPurpose.Unsubscribe, TestCustomerKeys.Of(email), DateTimeOffset.UtcNow)).AbsolutePath).ToList();
        using var provider = api.Anonymous();

        var statuses = new System.Collections.Concurrent.ConcurrentBag<HttpStatusCode>();
        await Parallel.ForEachAsync(links, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (link, _) =>
            statuses.Add((await provider.PostAsync(link, OneClick())).StatusCode));

        Assert.Equal(1000, statuses.Count(status => status == HttpStatusCode.OK));
        using var operatorClient = api.Operator();
        foreach (var email in emails.Where((_, i) => i % 100 == 0))
        {
            var customer = await (await operatorClient.GetAsync($"/api/v1/customers/{Uri.EscapeDataString(email)}")).EnsureSuccessStatusCode().ReadJsonAsync();
            Assert.Equal(System.Text.Json.JsonValueKind.String, customer.GetProperty("unsubscribedAt").ValueKind);
        }
    }

    [Fact]
    public async Task MadeUpTokensAreLimitedHardPerClientWhileGenuineLinksStillWork()
    {
        await using var api = new RecoveryApiFactory(_smtp, realServer: true);
        api.StartServer();
        using var client = api.Anonymous();

        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i <= LinkRateLimits.InvalidPerClientPerMinute; i++)
        {
            answers.Add(await client.GetAsync($"/u/guess{i}.AAAAAAAAAAAAAAAAAAAAAA"));
        }

        Assert.All(answers[..^1], answer => Assert.Equal(HttpStatusCode.NotFound, answer.StatusCode));
        var limited = answers[^1];
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal("application/problem+json", limited.Content.Headers.ContentType?.MediaType);
        Assert.Equal(TimeSpan.FromSeconds(60), limited.Headers.RetryAfter?.Delta);

        var genuine = new Uri(api.Services.GetRequiredService<LinkTokens>().Link(LinkPurpose.Unsubscribe, TestCustomerKeys.Of(Bodies.NewEmail()), DateTimeOffset.UtcNow)).AbsolutePath;
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(genuine)).StatusCode);
    }

    [Fact]
    public async Task BehindAConfiguredProxyEachForwardedClientHasALimitOfItsOwn()
    {
        await using var api = new RecoveryApiFactory(_smtp, realServer: true, settings: new Dictionary<string, string?>
        {
            ["Recovery:ForwardedHeaders:KnownProxies:0"] = "127.0.0.1",
        });
        api.StartServer();
        using var proxy = api.Anonymous();

        await ExhaustAsync(proxy, "203.0.113.5");

        Assert.Equal(HttpStatusCode.TooManyRequests, (await GuessAsync(proxy, "203.0.113.5")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await GuessAsync(proxy, "203.0.113.6")).StatusCode);
    }

    [Fact]
    public async Task SpellingAGenuineLinkAnotherWayDoesNotBuyAnotherLimit()
    {
        await using var api = new RecoveryApiFactory(_smtp, realServer: true);
        using var client = api.Anonymous();
        var link = new Uri(api.Services.GetRequiredService<LinkTokens>().Link(LinkPurpose.Unsubscribe, TestCustomerKeys.Of(Bodies.NewEmail()), DateTimeOffset.UtcNow)).AbsolutePath;
        var padded = link + "==";
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(padded)).StatusCode);

        for (var i = 1; i < LinkRateLimits.PerTokenPerMinute; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(i % 2 == 0 ? link : padded)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, (await client.GetAsync(link)).StatusCode);
    }

    [Theory]
    [InlineData("203.0.113.5", "203.0.113.5")]
    [InlineData("::ffff:203.0.113.5", "203.0.113.5")]
    [InlineData("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2::9", "2001:db8:1:2::/64")]
    public void AClientIsItsIPv4AddressOrItsIPv6SixtyFourBlock(string address, string client) =>
        Assert.Equal(client, LinkRateLimits.Client(IPAddress.Parse(address)));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ForwardedHeadersFromAnUnconfiguredSenderAreIgnored(bool aspNetCoresOwnSwitchIsOn)
    {
        // ASPNETCORE_FORWARDEDHEADERS_ENABLED, common in container images, adds ASP.NET Core's own copy of the middleware.
        await using var api = new RecoveryApiFactory(_smtp, realServer: true, settings: new Dictionary<string, string?>
        {
            ["FORWARDEDHEADERS_ENABLED"] = aspNetCoresOwnSwitchIsOn ? "true" : null,
        });
        api.StartServer();
        using var client = api.Anonymous();

        await ExhaustAsync(client, "203.0.113.5");

        // Claiming to be somebody else does not buy a fresh limit.
        Assert.Equal(HttpStatusCode.TooManyRequests, (await GuessAsync(client, "203.0.113.6")).StatusCode);
    }

    private static async Task ExhaustAsync(HttpClient client, string forwardedFor)
    {
        for (var i = 0; i < LinkRateLimits.InvalidPerClientPerMinute; i++)
        {
            Assert.Equal(HttpStatusCode.NotFound, (await GuessAsync(client, forwardedFor)).StatusCode);
        }
    }

    private static Task<HttpResponseMessage> GuessAsync(HttpClient client, string forwardedFor)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"/r/{Guid.NewGuid():N}.AAAAAAAAAAAAAAAAAAAAAA");
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        return client.SendAsync(request);
    }

    private static FormUrlEncodedContent OneClick() => new([KeyValuePair.Create("List-Unsubscribe", "One-Click")]);
}
