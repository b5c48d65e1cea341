using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Orleans.Recovery.Api.Tests.Carts;

[Trait("Category", "Api")]
public sealed class CartsApiTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private readonly HttpClient _storefront = fixture.Api.Storefront();
    private readonly HttpClient _operator = fixture.Api.Operator();

    [Fact]
    public async Task ASnapshotIsStoredAndItsFirstFollowUpScheduledAnHourLater()
    {
        var cartId = Bodies.NewId("cart");
        var response = await _storefront.PutCartAsync(cartId, Bodies.Cart(cartId, Bodies.NewEmail()));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var view = (await _operator.CartViewAsync(cartId))!.Value;
        Assert.Equal("active", view.GetProperty("status").GetString());
        Assert.Equal(1, view.GetProperty("nextStep").GetInt32());
        Assert.Equal(fixture.Api.Clock.GetUtcNow().AddHours(1), view.GetProperty("nextDueAt").GetDateTimeOffset());
        Assert.Equal(2, view.GetProperty("snapshot").GetProperty("items").GetArrayLength());
        Assert.Equal(49.78m, view.GetProperty("snapshot").GetProperty("total").GetDecimal());
    }

    [Theory]
    [InlineData(null, HttpStatusCode.Unauthorized)]
    [InlineData("not-the-key", HttpStatusCode.Unauthorized)]
    [InlineData(RecoveryApiFactory.OperatorKey, HttpStatusCode.Forbidden)]
    public async Task TheStorefrontApiRefusesAnythingButTheStorefrontKeyAndChangesNothing(string? key, HttpStatusCode expected)
    {
        var client = fixture.Api.Anonymous();
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new("Bearer", key);
        }

        var cartId = Bodies.NewId("cart");
        var response = await client.PutCartAsync(cartId, Bodies.Cart(cartId, Bodies.NewEmail()));

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal((int)expected, (await response.ReadJsonAsync()).GetProperty("status").GetInt32());
        Assert.Null(await _operator.CartViewAsync(cartId));
    }

    [Fact]
    public async Task TheOperatorViewRefusesTheStorefrontKey()
    {
        var response = await _storefront.GetAsync($"/api/v1/carts/{Bodies.NewId("cart")}");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    public static TheoryData<string, string> BadFields => new()
    {
        { "customer.email", "not-an-email" },
        { "items[0].quantity", "0" },
        { "items[1].quantity", "-3" },
        { "currency", "XYZ" },
        { "restoreUrl", null! },
        { "restoreUrl", "javascript:alert(1)" },
        { "customer.firstName", "Ana\r\nBcc: spy@evil.test" },
        { "items[0].productUrl", "ftp://shop.test/p" },
    };

    [Theory]
    [MemberData(nameof(BadFields))]
    public async Task BadInputGets400NamingTheFieldAndChangesNothing(string field, string? value)
    {
        var cartId = Bodies.NewId("cart");
        var email = Bodies.NewEmail();
        await _storefront.PutCartAsync(cartId, Bodies.Cart(cartId, email));
        var before = (await _operator.CartViewAsync(cartId))!.Value.GetProperty("snapshot").GetRawText();

        var body = Bodies.Cart(cartId, email);
        Set(body, field, value);
        var response = await _storefront.PutCartAsync(cartId, body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = (await response.ReadJsonAsync()).GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out _), $"errors name {string.Join(", ", errors.EnumerateObject().Select(e => e.Name))}, not {field}");
        Assert.Equal(before, (await _operator.CartViewAsync(cartId))!.Value.GetProperty("snapshot").GetRawText());
    }

    [Theory]
    [InlineData("{\"customer\":", "customer")]
    [InlineData("{\"customer\":{\"email\":\"a@b.test\",\"firstName\":\"A\"},\"items\":[{\"quantity\":\"two\"}]}", "items[0].quantity")]
    public async Task MalformedJsonGets400NamingWhereItBroke(string json, string field)
    {
        var cartId = Bodies.NewId("cart");
        var response = await _storefront.PutAsync($"/api/v1/carts/{cartId}", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True((await response.ReadJsonAsync()).GetProperty("errors").TryGetProperty(field, out _));
        Assert.Null(await _operator.CartViewAsync(cartId));
    }

    [Fact]
    public async Task AWrongContentTypeGets415()
    {
        var cartId = Bodies.NewId("cart");
        var response = await _storefront.PutAsync($"/api/v1/carts/{cartId}", new StringContent(Bodies.Cart(cartId, Bodies.NewEmail()).ToJsonString(), System.Text.Encoding.UTF8, "text/plain"));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Null(await _operator.CartViewAsync(cartId));
    }

    [Fact]
    public async Task AnOversizedBodyGets413()
    {
        var cartId = Bodies.NewId("cart");
        var body = Bodies.Cart(cartId, Bodies.NewEmail());
        body["padding"] = new string('x', 300_000);
        var response = await _storefront.PutCartAsync(cartId, body);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Null(await _operator.CartViewAsync(cartId));
    }

    [Fact]
    public async Task AnInvalidCartIdGets400()
    {
        var response = await _storefront.PutAsync("/api/v1/carts/a%20b", Bodies.Json(Bodies.Cart("x", Bodies.NewEmail())));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.ReadJsonAsync()).GetProperty("errors").TryGetProperty("cartId", out _));
    }

    [Fact]
    public async Task DeletingACartCancelsItsFollowUpsAndUnknownCartsGet404()
    {
        var cartId = Bodies.NewId("cart");
        await _storefront.PutCartAsync(cartId, Bodies.Cart(cartId, Bodies.NewEmail()));

        Assert.Equal(HttpStatusCode.NoContent, (await _storefront.DeleteAsync($"/api/v1/carts/{cartId}")).StatusCode);
        var view = (await _operator.CartViewAsync(cartId))!.Value;
        Assert.Equal("deleted", view.GetProperty("status").GetString());
        var skipped = Assert.Single(view.GetProperty("messages").EnumerateArray());
        Assert.Equal("cart-deleted", skipped.GetProperty("reason").GetString());

        Assert.Equal(HttpStatusCode.NotFound, (await _storefront.DeleteAsync($"/api/v1/carts/{Bodies.NewId("cart")}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _storefront.PostAsync($"/api/v1/carts/{Bodies.NewId("cart")}/checkout-started", null)).StatusCode);
    }

    [Fact]
    public async Task ReachingCheckoutCountsAsActivity()
    {
        var cartId = Bodies.NewId("cart");
        await _storefront.PutCartAsync(cartId, Bodies.Cart(cartId, Bodies.NewEmail()));
        fixture.Api.Clock.Advance(TimeSpan.FromMinutes(30));

        Assert.Equal(HttpStatusCode.NoContent, (await _storefront.PostAsync($"/api/v1/carts/{cartId}/checkout-started", null)).StatusCode);
        var view = (await _operator.CartViewAsync(cartId))!.Value;
        Assert.Equal(fixture.Api.Clock.GetUtcNow().AddHours(1), view.GetProperty("nextDueAt").GetDateTimeOffset());
    }

    private static void Set(JsonObject body, string path, string? value)
    {
        JsonNode node = body;
        var segments = path.Replace("]", "").Split('.');
        for (var i = 0; i < segments.Length; i++)
        {
            var parts = segments[i].Split('[');
            var last = i == segments.Length - 1;
            if (parts.Length == 2)
            {
                node = node[parts[0]]![int.Parse(parts[1])]!;
                continue;
            }

            if (last)
            {
                node[parts[0]] = value is null ? null : int.TryParse(value, out var number) ? JsonValue.Create(number) : JsonValue.Create(value);
            }
            else
            {
                node = node[parts[0]]!;
            }
        }
    }
}
