using System.Net;
using System.Text.Json.Nodes;

namespace Orleans.Recovery.Api.Tests.Orders;

[Trait("Category", "Api")]
public sealed class OrdersApiTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private readonly HttpClient _storefront = fixture.Api.Storefront();
    private readonly HttpClient _operator = fixture.Api.Operator();

    [Fact]
    public async Task AnOrderForTheCartCancelsItsFollowUps()
    {
        var cartId = Bodies.NewId("cart");
        var email = Bodies.NewEmail();
        await _storefront.PutCartAsync(cartId, Bodies.Cart(cartId, email));

        var orderId = Bodies.NewId("order");
        var placed = await _storefront.PostAsync("/api/v1/orders", Bodies.Json(Bodies.Order(orderId, cartId, email)));
        var again = await _storefront.PostAsync("/api/v1/orders", Bodies.Json(Bodies.Order(orderId, cartId, email)));

        Assert.Equal(HttpStatusCode.Created, placed.StatusCode);
        Assert.Equal($"/api/v1/orders/{orderId}", placed.Headers.Location?.ToString());
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var view = (await _operator.CartViewAsync(cartId))!.Value;
        Assert.Equal("purchased", view.GetProperty("status").GetString());
        Assert.Equal(orderId, view.GetProperty("purchasedOrderId").GetString());
        Assert.Equal("purchased", Assert.Single(view.GetProperty("messages").EnumerateArray()).GetProperty("reason").GetString());
    }

    [Fact]
    public async Task AnOrderBeforeItsCartMeansTheCartNeverGetsAFollowUp()
    {
        var cartId = Bodies.NewId("cart");
        var email = Bodies.NewEmail();
        await _storefront.PostAsync("/api/v1/orders", Bodies.Json(Bodies.Order(Bodies.NewId("order"), cartId, email)));
        await _storefront.PutCartAsync(cartId, Bodies.Cart(cartId, email));

        var view = (await _operator.CartViewAsync(cartId))!.Value;
        Assert.Equal("purchased", view.GetProperty("status").GetString());
        Assert.Equal(JsonValueKindNull, view.GetProperty("nextStep").ValueKind);
    }

    public static TheoryData<string, string?> BadFields => new()
    {
        { "orderId", null },
        { "customer.email", "nobody" },
        { "currency", "EURO" },
        { "paymentStatus", null },
        { "total", "-1" },
    };

    [Theory]
    [MemberData(nameof(BadFields))]
    public async Task BadOrdersGet400NamingTheFieldAndCancelNothing(string field, string? value)
    {
        var cartId = Bodies.NewId("cart");
        var email = Bodies.NewEmail();
        await _storefront.PutCartAsync(cartId, Bodies.Cart(cartId, email));
        var order = Bodies.Order(Bodies.NewId("order"), cartId, email);
        var segments = field.Split('.');
        var target = segments.Length == 2 ? order[segments[0]]!.AsObject() : order;
        target[segments[^1]] = value is null ? null : decimal.TryParse(value, out var number) ? JsonValue.Create(number) : JsonValue.Create(value);

        var response = await _storefront.PostAsync("/api/v1/orders", Bodies.Json(order));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.ReadJsonAsync()).GetProperty("errors").TryGetProperty(field, out _));
        Assert.Equal("active", (await _operator.CartViewAsync(cartId))!.Value.GetProperty("status").GetString());
    }

    [Fact]
    public async Task AnUnknownPaymentStatusGets400()
    {
        var order = Bodies.Order(Bodies.NewId("order"), null, Bodies.NewEmail());
        order["paymentStatus"] = "maybe";

        var response = await _storefront.PostAsync("/api/v1/orders", Bodies.Json(order));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.ReadJsonAsync()).GetProperty("errors").TryGetProperty("paymentStatus", out _));
    }

    private const System.Text.Json.JsonValueKind JsonValueKindNull = System.Text.Json.JsonValueKind.Null;
}
