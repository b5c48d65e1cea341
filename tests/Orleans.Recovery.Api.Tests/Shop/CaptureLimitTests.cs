using System.Net;
using System.Text.Json.Nodes;

namespace Orleans.Recovery.Api.Tests.Shop;

/// <summary>
/// The capture endpoint's limits hold against a determined client: a budget per client address, and one for the
/// publishable key whatever the addresses. Past either, 429 with Retry-After, and nothing recorded.
/// </summary>
[Trait("Category", "Api")]
public sealed class CaptureLimitTests(SmtpFixture smtp) : IClassFixture<SmtpFixture>
{
    private const string Origin = "https://shop.example";

    private static RecoveryApiFactory Host(SmtpSink smtp, int perClient, int perKey) => new(smtp, settings: new Dictionary<string, string?>
    {
        ["Recovery:Capture:PublishableKey"] = ShopFixture.PublishableKey,
        ["Recovery:Capture:AllowedOrigins:0"] = Origin,
        ["Recovery:Capture:PerClientPerMinute"] = perClient.ToString(),
        ["Recovery:Capture:PerKeyPerMinute"] = perKey.ToString(),
    });

    private static async Task<HttpResponseMessage> CaptureAsync(HttpClient client, string cartId)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/capture")
        {
            Content = Bodies.Json(new JsonObject { ["cartId"] = cartId, ["email"] = Bodies.NewEmail() }),
        };
        request.Headers.Add("Origin", Origin);
        request.Headers.Authorization = new("Bearer", ShopFixture.PublishableKey);
        return await client.SendAsync(request);
    }

    [Fact]
    public async Task OneClientPastItsBudgetGets429AndNothingIsRecorded()
    {
        await using var api = Host(smtp.Smtp, perClient: 3, perKey: 1000);
        var client = api.Anonymous();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.NoContent, (await CaptureAsync(client, Bodies.NewId("cart"))).StatusCode);
        }

        var cartId = Bodies.NewId("cart");
        var refused = await CaptureAsync(client, cartId);

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("60", refused.Headers.RetryAfter?.ToString());
        Assert.Null(await api.Operator().CartViewAsync(cartId));
    }

    [Fact]
    public async Task TheKeysBudgetHoldsWhateverTheClientsAddress()
    {
        // The key's budget is smaller than one client's here, so the refusal can only be the key's.
        await using var api = Host(smtp.Smtp, perClient: 100, perKey: 4);
        var client = api.Anonymous();
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(HttpStatusCode.NoContent, (await CaptureAsync(client, Bodies.NewId("cart"))).StatusCode);
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, (await CaptureAsync(client, Bodies.NewId("cart"))).StatusCode);

        // The storefront, under its own key, is not held back by the capture key's budget.
        var cartId = Bodies.NewId("cart");
        Assert.Equal(HttpStatusCode.NoContent, (await api.Storefront().PutCartAsync(cartId, Bodies.Cart(cartId, Bodies.NewEmail()))).StatusCode);
    }
}
