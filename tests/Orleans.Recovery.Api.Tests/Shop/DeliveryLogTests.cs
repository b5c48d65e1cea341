using System.Text.Json.Nodes;

namespace Orleans.Recovery.Api.Tests.Shop;

/// <summary>The connectors' delivery log keeps 7 days, on the engine's clock.</summary>
[Trait("Category", "Unit")]
public sealed class DeliveryLogTests(ShopFixture shop) : IClassFixture<ShopFixture>
{
    [Fact]
    public async Task ADeliveryIsListedForSevenDaysAndThenGone()
    {
        var provider = shop.Api.Anonymous();
        var topic = $"shop/{Guid.NewGuid():N}";
        Assert.Equal("ignored", (await (await provider.ShopifyAsync(topic, new JsonObject { ["id"] = 1 })).OutcomeAsync()).Outcome);

        shop.Api.Clock.Advance(TimeSpan.FromDays(7) - TimeSpan.FromMinutes(1));
        Assert.Contains(topic, await TopicsAsync());

        // A week on, the next delivery prunes it, and the list no longer shows it either way.
        shop.Api.Clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal("ignored", (await (await provider.ShopifyAsync("shop/update", new JsonObject { ["id"] = 2 })).OutcomeAsync()).Outcome);
        var topics = await TopicsAsync();
        Assert.DoesNotContain(topic, topics);
        Assert.Contains("shop/update", topics);
    }

    private async Task<List<string?>> TopicsAsync() =>
        [.. (await (await shop.Api.Operator().GetAsync("/api/v1/connectors/deliveries?provider=shopify&limit=1000")).ReadJsonAsync()).EnumerateArray().Select(d => d.GetProperty("topic").GetString())];
}
