using System.Net;
using System.Net.Http.Headers;

namespace Orleans.Recovery.Api.Tests.Security;

/// <summary>
/// Guessing API keys (issue 26, item 10): past 20 wrong keys in a minute, a client (an IPv4 address, an IPv6 /64) is
/// answered 429 with Retry-After, the right key included; other clients are not.
/// </summary>
[Trait("Category", "Api")]
public sealed class FailedKeyTests(SmtpFixture smtpFixture) : IClassFixture<SmtpFixture>
{
    private static async Task<HttpResponseMessage> GetAsync(HttpClient client, string key, string clientAddress)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/flows");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        request.Headers.Add("X-Forwarded-For", clientAddress);
        return await client.SendAsync(request);
    }

    [Theory]
    [InlineData("203.0.113.7", "203.0.113.7", "203.0.113.8")]
    [InlineData("2001:db8:1:1::1", "2001:db8:1:1::ffff", "2001:db8:1:2::1")]
    public async Task AClientPastTwentyWrongKeysAMinuteIsAnswered429EvenWithTheRightKey(string guesser, string sameClient, string otherClient)
    {
        await using var api = new RecoveryApiFactory(smtpFixture.Smtp, realServer: true, settings: new Dictionary<string, string?>
        {
            ["Recovery:ForwardedHeaders:KnownProxies:0"] = "127.0.0.1",
        });
        var client = api.Anonymous();

        for (var guess = 0; guess <= 20; guess++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(client, $"guess-{guess}-0123456789abcdef", guesser)).StatusCode);
        }

        var blocked = await GetAsync(client, RecoveryApiFactory.OperatorKey, sameClient);
        Assert.Equal(HttpStatusCode.TooManyRequests, blocked.StatusCode);
        Assert.Equal("application/problem+json", blocked.Content.Headers.ContentType?.MediaType);
        Assert.InRange(blocked.Headers.RetryAfter!.Delta!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60));

        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, RecoveryApiFactory.OperatorKey, otherClient)).StatusCode);
    }
}
