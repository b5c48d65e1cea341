using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Recovery.Coupons;
using Orleans.Recovery.Testing;

namespace Orleans.Recovery.Api.Tests.Orders;

/// <summary>The storefront's order events and the public links they lead to, over real HTTP and real SMTP.</summary>
[Trait("Category", "Api")]
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
        var delay = Bodies.Delay("d1");
        Assert.Equal(HttpStatusCode.Created, (await _storefront.PostAsync($"/api/v1/orders/{orderId}/delays", Bodies.Json(delay))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _storefront.PostAsync($"/api/v1/orders/{orderId}/delays", Bodies.Json(delay))).StatusCode);

        var notice = (await fixture.Smtp.WaitForAsync(email, 2)).Single(m => m.Subject!.Contains("delay"));
        var partial = DelayLink().Matches(notice.TextBody!).Select(m => new Uri(m.Value)).Single(u => u.Query == "?choice=partial");
        Assert.Equal(HttpStatusCode.NotFound, (await _browser.GetAsync(partial.PathAndQuery.Replace("choice=partial", "choice=substitute"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _browser.GetAsync(partial.PathAndQuery.Replace("/d/", "/d/x"))).StatusCode);

        var page = await _browser.GetAsync(partial.PathAndQuery);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("value=\"partial\" required checked", await page.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await _browser.PostAsync(partial.AbsolutePath, Form(("choice", "substitute")))).StatusCode);

        var answer = await _browser.PostAsync(partial.AbsolutePath, Form(("choice", "partial")));

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var view = await (await _operator.GetAsync($"/api/v1/orders/{orderId}")).EnsureSuccessStatusCode().ReadJsonAsync();
        Assert.Equal("partial", view.GetProperty("delays")[0].GetProperty("choice").GetString());
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("+7")]
    [InlineData(" 2")]
    [InlineData("cancel,partial")]
    [InlineData("Wait ")]
    [InlineData("refund")]
    public async Task ADelayOptionThatIsNotOneOfTheFourNamesIsRefusedAndTheOrderStaysReadable(string option)
    {
        var (orderId, _) = await PlaceAsync();
        var delay = Bodies.Delay("d-odd", "wait", option);

        var response = await _storefront.PostAsync($"/api/v1/orders/{orderId}/delays", Bodies.Json(delay));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.ReadJsonAsync()).GetProperty("errors").TryGetProperty("options[1]", out _));
        var view = await (await _operator.GetAsync($"/api/v1/orders/{orderId}")).EnsureSuccessStatusCode().ReadJsonAsync();
        Assert.Empty(view.GetProperty("delays").EnumerateArray());
    }

    [Fact]
    public async Task ADelayIdWithASlashIsRefusedBecauseItWouldBreakTheNoticesLinks()
    {
        var (orderId, _) = await PlaceAsync();

        var response = await _storefront.PostAsync($"/api/v1/orders/{orderId}/delays", Bodies.Json(Bodies.Delay("late/2", "wait")));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.ReadJsonAsync()).GetProperty("errors").TryGetProperty("delayId", out _));
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
        var refused = await responses.First(r => r.StatusCode == HttpStatusCode.Conflict).ReadJsonAsync();
        Assert.Equal(409, refused.GetProperty("status").GetInt32());
        Assert.Equal("redeemed", refused.GetProperty("couponStatus").GetString());
        var redeemed = await (await _storefront.GetAsync($"/api/v1/coupons/{code}")).EnsureSuccessStatusCode().ReadJsonAsync();
        Assert.Equal("redeemed", redeemed.GetProperty("status").GetString());
    }

    [Fact]
    public async Task TheReviewRequestsLinksRecordARatingThatAlertsTheShopAndConsentOnlyFromTheButton()
    {
        var (orderId, email) = await PlaceAsync();
        await fixture.Smtp.WaitForAsync(email, 1);
        Assert.Equal(HttpStatusCode.NoContent, (await _storefront.PostAsync($"/api/v1/orders/{orderId}/delivered", null)).StatusCode);
        await fixture.Smtp.WaitForAsync(email, 2);
        await fixture.Api.AdvanceUntilAsync(TimeSpan.FromDays(3), () => Task.FromResult(fixture.Smtp.To(email).Count() >= 3), "the review request");
        var review = fixture.Smtp.To(email).Single(m => m.Subject!.Contains("how was your"));
        var lowest = new Uri(RatingLink().Matches(review.TextBody!).Select(m => m.Value).Single(link => link.EndsWith("rating=1", StringComparison.Ordinal)));
        var newsletter = new Uri(NewsletterLink().Match(review.TextBody!).Value);

        // Out of range or tampered: a plain 404, and nothing recorded.
        Assert.Equal(HttpStatusCode.NotFound, (await _browser.GetAsync(lowest.PathAndQuery.Replace("rating=1", "rating=9"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _browser.GetAsync(lowest.PathAndQuery.Replace("/f/", "/f/x"))).StatusCode);
        var unrated = await (await _operator.GetAsync($"/api/v1/orders/{orderId}")).EnsureSuccessStatusCode().ReadJsonAsync();
        Assert.Equal(System.Text.Json.JsonValueKind.Null, unrated.GetProperty("rating").ValueKind);

        var rated = await _browser.PostAsync(lowest.AbsolutePath, Form(("rating", "1")));
        Assert.Equal(HttpStatusCode.OK, rated.StatusCode);
        Assert.Contains("sorry", await rated.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        var view = await (await _operator.GetAsync($"/api/v1/orders/{orderId}")).EnsureSuccessStatusCode().ReadJsonAsync();
        Assert.Equal(1, view.GetProperty("rating").GetProperty("value").GetInt32());
        await Eventually.TrueAsync(
            () => Task.FromResult(fixture.Smtp.Messages.Any(m => m.Subject == $"Unhappy customer: order {orderId} rated 1 of 5")),
            what: "the alert to the shop");

        // Opening the opt-in link (as a mail scanner would) records nothing; only the page's button does.
        var customer = $"/api/v1/customers/{Uri.EscapeDataString(email)}";
        var page = await _browser.GetAsync(newsletter.PathAndQuery);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("<form method=\"post\"", await page.Content.ReadAsStringAsync());
        var before = await (await _operator.GetAsync(customer)).EnsureSuccessStatusCode().ReadJsonAsync();
        Assert.Equal(System.Text.Json.JsonValueKind.Null, before.GetProperty("newsletterConsentAt").ValueKind);
        Assert.Equal(HttpStatusCode.NotFound, (await _browser.PostAsync(newsletter.PathAndQuery.Replace("/n/", "/n/x"), null)).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await _browser.PostAsync(newsletter.PathAndQuery, null)).StatusCode);
        var after = await (await _operator.GetAsync(customer)).EnsureSuccessStatusCode().ReadJsonAsync();
        Assert.Equal(System.Text.Json.JsonValueKind.String, after.GetProperty("newsletterConsentAt").ValueKind);
    }

    [Fact]
    public async Task TheCustomerViewIsForTheOperatorAndNamesABadAddress()
    {
        var bad = await _operator.GetAsync("/api/v1/customers/not-an-address");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.True((await bad.ReadJsonAsync()).GetProperty("errors").TryGetProperty("email", out _));
        Assert.Equal(HttpStatusCode.Forbidden, (await _storefront.GetAsync($"/api/v1/customers/{Bodies.NewEmail()}")).StatusCode);
    }

    private static FormUrlEncodedContent Form(params (string Name, string Value)[] fields) =>
        new(fields.Select(field => KeyValuePair.Create(field.Name, field.Value)));

    [GeneratedRegex(@"https?://\S+/f/\S+\?rating=\d")]
    private static partial Regex RatingLink();

    [GeneratedRegex(@"https?://\S+/n/[A-Za-z0-9_.\-]+")]
    private static partial Regex NewsletterLink();

    [GeneratedRegex(@"https?://\S+/d/\S+\?choice=\w+")]
    private static partial Regex DelayLink();
}
