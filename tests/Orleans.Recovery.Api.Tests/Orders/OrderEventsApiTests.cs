using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Recovery.Coupons;

namespace Orleans.Recovery.Api.Tests.Orders;

/// <summary>The storefront's order events and the public links they lead to, over real HTTP and real SMTP.</summary>
public sealed partial class OrderEventsApiTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private readonly HttpClient _storefront = fixture.Api.Storefront();
    private readonly HttpClient _operator = fixture.Api.Operator();
    private readonly HttpClient _browser = fixture.Api.CreateClient(new() { AllowAutoRedirect = false });

    private async Task<(string OrderId, string Email)> PlaceAsync(string paymentStatus = "paid")
    {
        var orderId = Bodies.NewId("order");
        var email = Bodies.NewEmail();
        var order = Bodies.Order(orderId, null, email);
        order["paymentStatus"] = paymentStatus;
        Assert.Equal(HttpStatusCode.Created, (await _storefront.PostAsync("/api/v1/orders", Bodies.Json(order))).StatusCode);
        return (orderId, email);
    }

    public static TheoryData<string, string, string> BadEvents => new()
    {
        { "payment-failed", """{"reason":"expired","retryUrl":"https://shop.test/pay"}""", "reason" },
        { "payment-failed", """{"reason":"declined","retryUrl":"javascript:alert(1)"}""", "retryUrl" },
        { "shipments", """{"shipmentId":"s1","carrier":"DHL","trackingNumber":"1"}""", "trackingUrl" },
        { "shipments", """{"shipmentId":"s 1","carrier":"DHL","trackingNumber":"1","trackingUrl":"https://t.test/1"}""", "shipmentId" },
        { "delays", """{"reason":"late","items":[{"sku":"A","name":"A","quantity":1,"unitPrice":1}],"newEstimatedShipDate":"2026-12-10","options":["later"]}""", "options[0]" },
        { "delays", """{"reason":"late","items":[{"sku":"A","name":"A","quantity":1,"unitPrice":1}],"options":["wait"]}""", "newEstimatedShipDate" },
        { "delivered", """{"deliveredAt":"yesterday"}""", "deliveredAt" },
    };

    [Theory]
    [MemberData(nameof(BadEvents))]
    public async Task EveryOrderEventRejectsBadInputNamingTheFieldAndChangesNothing(string path, string body, string field)
    {
        var (orderId, email) = await PlaceAsync();
        await fixture.Smtp.WaitForAsync(email, 1);

        var response = await _storefront.PostAsync($"/api/v1/orders/{orderId}/{path}", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True((await response.ReadJsonAsync()).GetProperty("errors").TryGetProperty(field, out _), await response.Content.ReadAsStringAsync());
        var view = await (await _operator.GetAsync($"/api/v1/orders/{orderId}")).EnsureSuccessStatusCode().ReadJsonAsync();
        Assert.Equal(0, view.GetProperty("shipments").GetArrayLength());
        Assert.Equal(0, view.GetProperty("delays").GetArrayLength());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, view.GetProperty("paymentFailure").ValueKind);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, view.GetProperty("deliveredAt").ValueKind);
        Assert.Single(fixture.Smtp.To(email));
    }

    [Fact]
    public async Task AnUnknownOrderGets404AndACancelledOne409()
    {
        var unknown = await _storefront.PostAsync($"/api/v1/orders/{Bodies.NewId("order")}/payment-succeeded", null);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);

        var (orderId, _) = await PlaceAsync("pending");
        Assert.Equal(HttpStatusCode.NoContent, (await _storefront.PostAsync($"/api/v1/orders/{orderId}/cancelled", null)).StatusCode);
        var late = await _storefront.PostAsync($"/api/v1/orders/{orderId}/payment-failed", Bodies.Json(new JsonObject { ["reason"] = "declined", ["retryUrl"] = "https://shop.test/pay" }));
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
    }

    [Fact]
    public async Task ADelayNoticeLinkRecordsTheShoppersChoiceForTheOperator()
    {
        var (orderId, email) = await PlaceAsync();
        var delay = new JsonObject
        {
            ["delayId"] = "d1",
            ["reason"] = "supplier delay",
            ["items"] = new JsonArray { new JsonObject { ["sku"] = "BEANS-1KG", ["name"] = "Espresso beans 1 kg", ["quantity"] = 2, ["unitPrice"] = 18.90m } },
            ["newEstimatedShipDate"] = "2026-12-10",
            ["options"] = new JsonArray { "wait", "cancel", "partial" },
        };
        Assert.Equal(HttpStatusCode.Created, (await _storefront.PostAsync($"/api/v1/orders/{orderId}/delays", Bodies.Json(delay))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _storefront.PostAsync($"/api/v1/orders/{orderId}/delays", Bodies.Json(delay))).StatusCode);

        var notice = (await fixture.Smtp.WaitForAsync(email, 2)).Single(m => m.Subject!.Contains("delay"));
        var partial = DelayLink().Matches(notice.TextBody!).Select(m => new Uri(m.Value)).Single(u => u.Query == "?choice=partial");
        Assert.Equal(HttpStatusCode.NotFound, (await _browser.GetAsync(partial.PathAndQuery.Replace("choice=partial", "choice=substitute"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _browser.GetAsync(partial.PathAndQuery.Replace("/d/", "/d/x"))).StatusCode);

        var answer = await _browser.GetAsync(partial.PathAndQuery);

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var view = await (await _operator.GetAsync($"/api/v1/orders/{orderId}")).EnsureSuccessStatusCode().ReadJsonAsync();
        Assert.Equal("partial", view.GetProperty("delays")[0].GetProperty("choice").GetString());
    }

    [Fact]
    public async Task ACouponIsRedeemedOnceWhenManyCheckoutsTryItAtTheSameTime()
    {
        var code = ("10OFF-" + Guid.NewGuid().ToString("N")[..10]).ToUpperInvariant();
        var now = DateTimeOffset.UtcNow;
        await fixture.Api.Services.GetRequiredService<IGrainFactory>().GetGrain<ICouponGrain>(code)
            .IssueAsync(new CouponIssue(code, 10m, now, now.AddDays(7), "m/1", "cart-abandonment", "c1"));

        var valid = await (await _storefront.GetAsync($"/api/v1/coupons/{code.ToLowerInvariant()}")).EnsureSuccessStatusCode().ReadJsonAsync();
        Assert.Equal("valid", valid.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await _storefront.GetAsync("/api/v1/coupons/NOPE-123")).StatusCode);
        var missingOrder = await _storefront.PostAsync($"/api/v1/coupons/{code}/redeem", Bodies.Json(new JsonObject()));
        Assert.True((await missingOrder.ReadJsonAsync()).GetProperty("errors").TryGetProperty("orderId", out _));

        var responses = await Task.WhenAll(Enumerable.Range(0, 12).Select(i =>
            _storefront.PostAsync($"/api/v1/coupons/{code}/redeem", Bodies.Json(new JsonObject { ["orderId"] = $"order-{i}" }))));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK);
        Assert.Equal(11, responses.Count(r => r.StatusCode == HttpStatusCode.Conflict));
        var redeemed = await (await _storefront.GetAsync($"/api/v1/coupons/{code}")).EnsureSuccessStatusCode().ReadJsonAsync();
        Assert.Equal("redeemed", redeemed.GetProperty("status").GetString());
    }

    [GeneratedRegex(@"https?://\S+/d/\S+\?choice=\w+")]
    private static partial Regex DelayLink();
}
