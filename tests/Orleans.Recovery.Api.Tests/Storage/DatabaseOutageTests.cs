using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Recovery.Carts;
using Orleans.Recovery.Coupons;
using Orleans.Recovery.Customers;
using Orleans.Recovery.Links;
using Orleans.Recovery.Orders;
using Orleans.Recovery.Testing;

namespace Orleans.Recovery.Api.Tests.Storage;

/// <summary>The product with a switch in front of its database, to turn it off between a storefront's call and its retry.</summary>
public sealed class OutageFixture : IAsyncLifetime
{
    public SmtpSink Smtp { get; private set; } = null!;

    public RecoveryApiFactory Api { get; private set; } = null!;

    public DatabaseFaults Faults { get; } = new();

    public async Task InitializeAsync()
    {
        Smtp = await SmtpSink.StartAsync();
        Api = new RecoveryApiFactory(Smtp) { Faults = Faults };
        _ = Api.Server;
    }

    public async Task DisposeAsync()
    {
        Faults.Heal();
        await Api.DisposeAsync();
        await Smtp.DisposeAsync();
    }
}

/// <summary>
/// Every call of the storefront API, the link pages and the operator API that changes something, made while the
/// database refuses every read and write: it answers 503 with Retry-After and keeps nothing, and the same call
/// repeated once the database is back is stored, as the state read back from storage shows.
/// </summary>
[Trait("Category", "Api")]
public sealed class DatabaseOutageTests(OutageFixture fixture) : IClassFixture<OutageFixture>
{
    private readonly HttpClient _storefront = fixture.Api.Storefront();
    private readonly HttpClient _operator = fixture.Api.Operator();
    private readonly HttpClient _browser = fixture.Api.Anonymous();

    private IGrainFactory Grains => fixture.Api.Services.GetRequiredService<IGrainFactory>();

    private LinkTokens Tokens => fixture.Api.Services.GetRequiredService<LinkTokens>();

    private static readonly string[] StateChangingCalls =
    [
        "put-cart", "checkout-started", "delete-cart", "place-order", "payment-failed", "payment-succeeded", "shipment", "delay",
        "delivered", "cancelled", "redeem-coupon", "replace-flow", "reset-flow", "erase-customer",
        "link-unsubscribe-all", "link-stop-cart", "link-delay-choice", "link-rating", "link-newsletter", "link-restore",
    ];

    /// <summary>Each call against a database that refuses connections, and against one that reads but cannot write (a full disk).</summary>
    public static TheoryData<string, bool> Calls
    {
        get
        {
            var calls = new TheoryData<string, bool>();
            foreach (var call in StateChangingCalls)
            {
                calls.Add(call, true);
                calls.Add(call, false);
            }

            return calls;
        }
    }

    [Theory]
    [MemberData(nameof(Calls))]
    public async Task ACallMadeWhileTheDatabaseFailsAnswers503KeepsNothingAndItsRetryIsStored(string call, bool readsFailToo)
    {
        var scenario = await ArrangeAsync(call);
        fixture.Faults.Fail(readsFailToo);
        HttpResponseMessage refused;
        try
        {
            refused = await scenario.Call();
        }
        finally
        {
            fixture.Faults.Heal();
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero, "Retry-After");
        if (scenario.IsPage)
        {
            Assert.Equal("text/html", refused.Content.Headers.ContentType?.MediaType);
            Assert.Contains(scenario.Words, await refused.Content.ReadAsStringAsync());
        }
        else
        {
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            Assert.Equal(503, (await refused.ReadJsonAsync()).GetProperty("status").GetInt32());
        }

        // What the refused call would have changed is not shown: no activation kept it in memory.
        await scenario.Verify(false);

        var retried = await scenario.Call();
        Assert.True(retried.IsSuccessStatusCode || retried.StatusCode == HttpStatusCode.Redirect, $"{call}: the retry answered {(int)retried.StatusCode} {await retried.Content.ReadAsStringAsync()}");

        // What the retry changed was stored: every activation goes, and the state comes back from the database.
        await ReloadEverythingAsync();
        await scenario.Verify(true);
    }

    private static async Task<JsonElement> OkJsonAsync(HttpResponseMessage response)
    {
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return await response.ReadJsonAsync();
    }

    /// <summary>
    /// A read that checks what is stored. Right after the database heals, it can meet an activation that began during
    /// the outage and is still ending, which answers 503 with Retry-After as it should; it is read again, as the
    /// storefront or the console would. It changes nothing, so reading again cannot hide a change.
    /// </summary>
    private static async Task<HttpResponseMessage> ReadAsync(Func<Task<HttpResponseMessage>> read)
    {
        for (var attempt = 1; ; attempt++)
        {
            var response = await read();
            if (response.StatusCode != HttpStatusCode.ServiceUnavailable || attempt == 50)
            {
                return response;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }
    }

    /// <summary>Deactivates every grain, so what the API shows next is what storage holds.</summary>
    private async Task ReloadEverythingAsync() =>
        await Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

    /// <summary>A call, and a check of whether its change is stored; a link page answers a page with <c>Words</c> in the shopper's language.</summary>
    private sealed record Scenario(Func<Task<HttpResponseMessage>> Call, Func<bool, Task> Verify, bool IsPage = false, string Words = "Please try again in a moment");

    private async Task<Scenario> ArrangeAsync(string call)
    {
        var cartId = Bodies.NewId("cart");
        var orderId = Bodies.NewId("order");
        var email = Bodies.NewEmail();
        var customerKey = TestCustomerKeys.Of(email);
        var now = fixture.Api.Clock.GetUtcNow();

        async Task PutCartAsync() => Assert.Equal(HttpStatusCode.NoContent, (await _storefront.PutCartAsync(cartId, Bodies.Cart(cartId, email))).StatusCode);
        async Task<JsonElement?> CartAsync()
        {
            var response = await ReadAsync(() => _operator.GetAsync($"/api/v1/carts/{cartId}"));
            return response.StatusCode == HttpStatusCode.NotFound ? null : await response.EnsureSuccessStatusCode().ReadJsonAsync();
        }

        async Task PlaceAsync(string paymentStatus)
        {
            var order = Bodies.Order(orderId, null, email);
            order["paymentStatus"] = paymentStatus;
            Assert.Equal(HttpStatusCode.Created, (await _storefront.PostAsync("/api/v1/orders", Bodies.Json(order))).StatusCode);
        }

        async Task<JsonElement?> OrderAsync()
        {
            var response = await ReadAsync(() => _operator.GetAsync($"/api/v1/orders/{orderId}"));
            return response.StatusCode == HttpStatusCode.NotFound ? null : await response.EnsureSuccessStatusCode().ReadJsonAsync();
        }

        async Task<JsonElement> CustomerAsync() => await (await ReadAsync(() => _operator.PostAsync("/api/v1/customers/lookup", Bodies.Json(new JsonObject { ["email"] = email })))).EnsureSuccessStatusCode().ReadJsonAsync();
        Task<HttpResponseMessage> Storefront(string path, JsonNode? body = null) => _storefront.PostAsync(path, body is null ? null : Bodies.Json(body));
        Task<HttpResponseMessage> Form(string url, params (string Name, string Value)[] fields) =>
            _browser.PostAsync(new Uri(url).PathAndQuery, new FormUrlEncodedContent(fields.Select(field => KeyValuePair.Create(field.Name, field.Value))));
        static bool IsNull(JsonElement element, string property) => element.GetProperty(property).ValueKind == JsonValueKind.Null;

        switch (call)
        {
            case "put-cart":
                return new(() => _storefront.PutCartAsync(cartId, Bodies.Cart(cartId, email)), async stored =>
                    Assert.Equal(stored, (await CartAsync())?.GetProperty("nextStep").GetInt32() == 1));
            case "checkout-started":
            {
                await PutCartAsync();
                fixture.Api.Clock.Advance(TimeSpan.FromMinutes(1));
                var before = (await CartAsync())!.Value.GetProperty("lastActivityAt").GetDateTimeOffset();
                return new(() => _storefront.PostAsync($"/api/v1/carts/{cartId}/checkout-started", null), async stored =>
                    Assert.Equal(stored, (await CartAsync())!.Value.GetProperty("lastActivityAt").GetDateTimeOffset() > before));
            }

            case "delete-cart":
                await PutCartAsync();
                return new(() => _storefront.DeleteAsync($"/api/v1/carts/{cartId}"), async stored =>
                {
                    var cart = (await CartAsync())!.Value;
                    Assert.Equal(stored ? "deleted" : "active", cart.GetProperty("status").GetString());
                    Assert.Equal(stored, IsNull(cart, "nextStep"));
                });
            case "place-order":
                var pending = Bodies.Order(orderId, null, email);
                pending["paymentStatus"] = "pending";
                return new(() => Storefront("/api/v1/orders", pending), async stored =>
                    Assert.Equal(stored, await OrderAsync() is not null));
            case "payment-failed":
                await PlaceAsync("pending");
                return new(() => Storefront($"/api/v1/orders/{orderId}/payment-failed", new JsonObject { ["reason"] = "declined", ["retryUrl"] = "https://shop.test/pay" }), async stored =>
                    Assert.Equal(stored, !IsNull((await OrderAsync())!.Value, "paymentFailure")));
            case "payment-succeeded":
                await PlaceAsync("pending");
                Assert.Equal(HttpStatusCode.NoContent, (await Storefront($"/api/v1/orders/{orderId}/payment-failed", new JsonObject { ["reason"] = "declined", ["retryUrl"] = "https://shop.test/pay" })).StatusCode);
                return new(() => Storefront($"/api/v1/orders/{orderId}/payment-succeeded"), async stored =>
                {
                    var order = (await OrderAsync())!.Value;
                    Assert.Equal(stored, !IsNull(order, "paidAt"));
                    Assert.Equal(stored, order.GetProperty("pending").EnumerateArray().All(message => message.GetProperty("flow").GetString() != "incomplete-payment"));
                });
            case "shipment":
                await PlaceAsync("paid");
                return new(() => Storefront($"/api/v1/orders/{orderId}/shipments", new JsonObject { ["shipmentId"] = "s1", ["carrier"] = "DHL", ["trackingNumber"] = "1", ["trackingUrl"] = "https://track.test/1" }), async stored =>
                    Assert.Equal(stored ? 1 : 0, (await OrderAsync())!.Value.GetProperty("shipments").GetArrayLength()));
            case "delay":
                await PlaceAsync("paid");
                return new(() => Storefront($"/api/v1/orders/{orderId}/delays", Bodies.Delay("d1")), async stored =>
                    Assert.Equal(stored ? 1 : 0, (await OrderAsync())!.Value.GetProperty("delays").GetArrayLength()));
            case "delivered":
                await PlaceAsync("paid");
                return new(() => Storefront($"/api/v1/orders/{orderId}/delivered", new JsonObject()), async stored =>
                    Assert.Equal(stored, !IsNull((await OrderAsync())!.Value, "deliveredAt")));
            case "cancelled":
                await PlaceAsync("pending");
                return new(() => Storefront($"/api/v1/orders/{orderId}/cancelled"), async stored =>
                    Assert.Equal(stored, !IsNull((await OrderAsync())!.Value, "cancelledAt")));
            case "redeem-coupon":
            {
                var code = ("SAVE-" + Guid.NewGuid().ToString("N")[..10]).ToUpperInvariant();
                await Grains.GetGrain<ICouponGrain>(code).IssueAsync(new CouponIssue(code, 10m, now, now.AddDays(7), $"{cartId}/cart-abandonment/3", "cart-abandonment", customerKey));
                return new(() => Storefront($"/api/v1/coupons/{code}/redeem", new JsonObject { ["orderId"] = orderId }), async stored =>
                {
                    var coupon = await (await ReadAsync(() => _storefront.GetAsync($"/api/v1/coupons/{code}"))).EnsureSuccessStatusCode().ReadJsonAsync();
                    Assert.Equal(stored ? "redeemed" : "valid", coupon.GetProperty("status").GetString());

                    // Redeemed once: another order is refused, whatever the activation remembered.
                    if (stored)
                    {
                        Assert.Equal(HttpStatusCode.Conflict, (await Storefront($"/api/v1/coupons/{code}/redeem", new JsonObject { ["orderId"] = Bodies.NewId("order") })).StatusCode);
                    }
                });
            }

            case "replace-flow":
            {
                await _operator.DeleteAsync("/api/v1/flows/incomplete-payment");
                var definition = (await OkJsonAsync(await _operator.GetAsync("/api/v1/flows/incomplete-payment"))).GetProperty("definition");
                var changed = JsonNode.Parse(definition.GetRawText())!;
                changed["steps"]![0]!["delay"] = "20:00:00";
                return new(() => _operator.PutAsync("/api/v1/flows/incomplete-payment", Bodies.Json(changed)), async stored =>
                {
                    var flow = await OkJsonAsync(await ReadAsync(() => _operator.GetAsync("/api/v1/flows/incomplete-payment")));
                    Assert.Equal(stored ? "20:00:00" : "1.00:00:00", flow.GetProperty("definition").GetProperty("steps")[0].GetProperty("delay").GetString());
                });
            }

            case "reset-flow":
            {
                var definition = (await OkJsonAsync(await _operator.GetAsync("/api/v1/flows/post-purchase"))).GetProperty("definition");
                Assert.Equal(HttpStatusCode.OK, (await _operator.PutAsync("/api/v1/flows/post-purchase", Bodies.Json(JsonNode.Parse(definition.GetRawText())!))).StatusCode);
                return new(() => _operator.DeleteAsync("/api/v1/flows/post-purchase"), async stored =>
                {
                    var flow = await OkJsonAsync(await ReadAsync(() => _operator.GetAsync("/api/v1/flows/post-purchase")));
                    Assert.Equal(stored ? "configuration" : "operator", flow.GetProperty("source").GetString());
                });
            }

            case "erase-customer":
                await PutCartAsync();
                return new(() => _operator.PostAsync("/api/v1/customers/erase", Bodies.Json(new JsonObject { ["email"] = email })), async stored =>
                {
                    Assert.Equal(stored ? "erased" : null, (await CustomerAsync()).GetProperty("suppressedBecause").GetString());
                    Assert.Equal(stored, await CartAsync() is null);
                });
            case "link-unsubscribe-all":
            {
                await PutCartAsync();
                var link = Tokens.Link(LinkPurpose.Unsubscribe, UnsubscribePayload.Of(customerKey, AbandonedCartPlan.MessageId(cartId, 0)), now, "de");
                return new(() => Form(link, ("scope", "all-marketing"), ("reason", "too-many")), async stored =>
                    Assert.Equal(stored, !IsNull(await CustomerAsync(), "unsubscribedAt")), IsPage: true, Words: "Bitte versuchen Sie es gleich noch einmal");
            }

            case "link-stop-cart":
            {
                await PutCartAsync();
                var link = Tokens.Link(LinkPurpose.Unsubscribe, UnsubscribePayload.Of(customerKey, AbandonedCartPlan.MessageId(cartId, 0)), now, "en");
                return new(() => Form(link, ("scope", "this-cart")), async stored =>
                {
                    var cart = (await CartAsync())!.Value;
                    Assert.Equal(stored, !IsNull(cart, "remindersStoppedAt"));
                    Assert.Equal(stored, IsNull(cart, "nextStep"));
                }, IsPage: true);
            }

            case "link-delay-choice":
            {
                await PlaceAsync("paid");
                Assert.Equal(HttpStatusCode.Created, (await Storefront($"/api/v1/orders/{orderId}/delays", Bodies.Delay("d1"))).StatusCode);
                var link = Tokens.Link(LinkPurpose.DelayChoice, OrderMessages.Id(orderId, "post-purchase", "delay-d1"), now, "en");
                return new(() => Form(link, ("choice", "cancel")), async stored =>
                    Assert.Equal(stored ? "cancel" : null, (await OrderAsync())!.Value.GetProperty("delays")[0].GetProperty("choice").GetString()), IsPage: true);
            }

            case "link-rating":
            {
                await PlaceAsync("paid");
                var link = Tokens.Link(LinkPurpose.Feedback, OrderMessages.Id(orderId, "post-purchase", "review-request"), now, "en");
                return new(() => Form(link, ("rating", "5")), async stored =>
                    Assert.Equal(stored, !IsNull((await OrderAsync())!.Value, "rating")), IsPage: true);
            }

            case "link-newsletter":
            {
                await PutCartAsync();
                var link = Tokens.Link(LinkPurpose.Newsletter, customerKey, now, "en");
                return new(() => Form(link), async stored =>
                    Assert.Equal(stored, !IsNull(await CustomerAsync(), "newsletterConsentAt")), IsPage: true);
            }

            case "link-restore":
            {
                await PutCartAsync();
                var link = Tokens.Link(LinkPurpose.Recover, AbandonedCartPlan.MessageId(cartId, 0), now, "en");
                return new(() => _browser.GetAsync(new Uri(link).PathAndQuery), async stored =>
                    Assert.Equal(stored ? 1 : 0, (await CartAsync())!.Value.GetProperty("clicks").GetArrayLength()), IsPage: true);
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(call), call, "No such call.");
        }
    }
}
