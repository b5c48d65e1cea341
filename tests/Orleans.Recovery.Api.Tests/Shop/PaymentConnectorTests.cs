using System.Net;
using System.Text.Json.Nodes;

namespace Orleans.Recovery.Api.Tests.Shop;

/// <summary>
/// Stripe's payment events and WooCommerce's orders, from their documented payloads, signed as the providers sign them:
/// a failed payment gets the payment reminder with the reason's wording and the retry link.
/// </summary>
[Trait("Category", "Api")]
public sealed class PaymentConnectorTests(ShopFixture shop) : IClassFixture<ShopFixture>
{
    private readonly HttpClient _provider = shop.Api.Anonymous();
    private readonly HttpClient _storefront = shop.Api.Storefront();
    private readonly HttpClient _operator = shop.Api.Operator();

    /// <summary>A pending order from the storefront, for a shopper who consented (the fixture's shop needs consent for payment reminders).</summary>
    private async Task<(string OrderId, string Email)> PendingOrderAsync()
    {
        var orderId = Bodies.NewId("order");
        var email = Bodies.NewEmail();
        var order = Bodies.Order(orderId, null, email);
        order["paymentStatus"] = "pending";
        order["customer"]!["marketingConsent"] = true;
        Assert.Equal(HttpStatusCode.Created, (await _storefront.PostAsync("/api/v1/orders", Bodies.Json(order))).StatusCode);
        return (orderId, email);
    }

    private static JsonObject StripeEvent(string file, string orderId, string? retryUrl = null)
    {
        var stripeEvent = Webhooks.Load(file);
        stripeEvent["id"] = "evt_" + Guid.NewGuid().ToString("N")[..24];
        var metadata = stripeEvent["data"]!["object"]!["metadata"]!.AsObject();
        metadata["order_id"] = orderId;
        if (retryUrl is not null)
        {
            metadata["retry_url"] = retryUrl;
        }

        return stripeEvent;
    }

    [Fact]
    public async Task AStripePaymentFailureGetsTheReasonsWordingAndTheRetryLink()
    {
        var (orderId, email) = await PendingOrderAsync();
        var failed = StripeEvent("stripe-payment_intent.payment_failed", orderId, $"https://kaffee.example/pay/{orderId}?again=1");

        Assert.Equal(("applied", null), await (await _provider.StripeAsync(failed, shop.Api.Clock.GetUtcNow())).OutcomeAsync());
        await shop.Api.AdvanceUntilAsync(TimeSpan.FromHours(24), () => Task.FromResult(shop.Smtp.To(email).Any()), "the payment reminder");

        var reminder = shop.Smtp.To(email).Single();
        Assert.Contains("did not go through", reminder.Subject);
        Assert.Contains("did not cover it", reminder.TextBody);
        Assert.Contains($"https://kaffee.example/pay/{orderId}?again=1", reminder.TextBody);
        var order = await (await _operator.GetAsync($"/api/v1/orders/{orderId}")).ReadJsonAsync();
        Assert.Equal("insufficientFunds", order.GetProperty("paymentFailure").GetProperty("reason").GetString());
    }

    [Fact]
    public async Task AStripeSuccessStopsTheRemindersAndARepeatedEventIsADuplicate()
    {
        var (orderId, email) = await PendingOrderAsync();
        await _provider.StripeAsync(StripeEvent("stripe-payment_intent.payment_failed", orderId, "https://kaffee.example/pay"), shop.Api.Clock.GetUtcNow());
        var succeeded = StripeEvent("stripe-payment_intent.succeeded", orderId);

        Assert.Equal(("applied", null), await (await _provider.StripeAsync(succeeded, shop.Api.Clock.GetUtcNow())).OutcomeAsync());
        Assert.Equal("duplicate", (await (await _provider.StripeAsync(succeeded, shop.Api.Clock.GetUtcNow())).OutcomeAsync()).Outcome);

        // The confirmation follows the payment; the reminder that was due a day later never comes.
        var confirmation = (await shop.Smtp.WaitForAsync(email))[0];
        Assert.Contains(orderId, confirmation.Subject);
        var view = await (await _operator.GetAsync($"/api/v1/orders/{orderId}")).ReadJsonAsync();
        Assert.Contains(view.GetProperty("messages").EnumerateArray(), m => m.GetProperty("reason").GetString() == "payment-succeeded");
    }

    [Theory]
    [InlineData("expired_card", "card_declined", "CardExpired")]
    [InlineData(null, "expired_card", "CardExpired")]
    [InlineData("insufficient_funds", "card_declined", "InsufficientFunds")]
    [InlineData("do_not_honor", "card_declined", "Declined")]
    [InlineData(null, "card_declined", "Declined")]
    [InlineData(null, "processing_error", "Other")]
    [InlineData(null, null, "Other")]
    public void StripesDeclineCodesMapOntoTheReminderReasons(string? declineCode, string? code, string reason) =>
        Assert.Equal(reason, Connectors.StripeConnector.Reason(declineCode, code).ToString());

    [Fact]
    public async Task AnInvoiceFailureUsesTheHostedInvoicePageAndTheSubscriptionsMetadata()
    {
        var (orderId, email) = await PendingOrderAsync();
        var invoice = Webhooks.Load("stripe-invoice.payment_failed");
        invoice["id"] = "evt_" + Guid.NewGuid().ToString("N")[..24];
        var data = invoice["data"]!["object"]!.AsObject();
        data["metadata"] = new JsonObject();
        data["parent"]!["subscription_details"]!["metadata"] = new JsonObject { ["order_id"] = orderId };

        Assert.Equal(("applied", null), await (await _provider.StripeAsync(invoice, shop.Api.Clock.GetUtcNow())).OutcomeAsync());
        await shop.Api.AdvanceUntilAsync(TimeSpan.FromHours(24), () => Task.FromResult(shop.Smtp.To(email).Any()), "the invoice's payment reminder");
        Assert.Contains(data["hosted_invoice_url"]!.GetValue<string>(), shop.Smtp.To(email).Single().TextBody);
    }

    [Fact]
    public async Task AnEventForAnOrderTheEngineHasNotSeenIsIgnoredWithThatReason()
    {
        var unknown = Bodies.NewId("order");
        var answer = await _provider.StripeAsync(StripeEvent("stripe-payment_intent.payment_failed", unknown, "https://kaffee.example/pay"), shop.Api.Clock.GetUtcNow());

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal(("ignored", $"the engine has not seen order {unknown}"), await answer.OutcomeAsync());
    }

    [Fact]
    public async Task AStripeSignatureOlderThanFiveMinutesOrWithTheWrongSecretIsRefused()
    {
        var (orderId, _) = await PendingOrderAsync();
        var failed = StripeEvent("stripe-payment_intent.payment_failed", orderId, "https://kaffee.example/pay");

        Assert.Equal(HttpStatusCode.Unauthorized, (await _provider.StripeAsync(failed, shop.Api.Clock.GetUtcNow().AddMinutes(-6))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _provider.StripeAsync(failed, shop.Api.Clock.GetUtcNow(), "whsec_another_secret_0123456789")).StatusCode);
        var order = await (await _operator.GetAsync($"/api/v1/orders/{orderId}")).ReadJsonAsync();
        Assert.Equal(JsonValueKindNull, order.GetProperty("paymentFailure").ValueKind);

        // The same event, signed now, is taken: the refusals did not claim its id.
        Assert.Equal("applied", (await (await _provider.StripeAsync(failed, shop.Api.Clock.GetUtcNow())).OutcomeAsync()).Outcome);
    }

    private const System.Text.Json.JsonValueKind JsonValueKindNull = System.Text.Json.JsonValueKind.Null;

    [Fact]
    public async Task AFailedWooCommerceOrderGetsThePaymentReminderWithItsPaymentUrl()
    {
        var email = Bodies.NewEmail();
        var orderId = Random.Shared.Next(100_000, 999_999_999);
        // Consent from the capture script on the shop's checkout, as a German WooCommerce shop would collect it.
        var capture = new HttpRequestMessage(HttpMethod.Post, "/api/v1/capture")
        {
            Content = Bodies.Json(new JsonObject { ["cartId"] = $"{orderId}", ["email"] = email, ["marketingConsent"] = true, ["consentText"] = "Angebote per E-Mail" }),
        };
        capture.Headers.Add("Origin", shop.Checkout.Origin);
        capture.Headers.Authorization = new("Bearer", ShopFixture.PublishableKey);
        Assert.Equal(HttpStatusCode.NoContent, (await _provider.SendAsync(capture)).StatusCode);

        var order = Webhooks.Load("woocommerce-order-created");
        order["id"] = orderId;
        order["status"] = "failed";
        order["billing"]!["email"] = email;
        order["payment_url"] = $"https://kaffee.example/checkout/order-pay/{orderId}/?pay_for_order=true&key=wc_order_Xy7LmN2pQ4rS5";

        Assert.Equal(("applied", null), await (await _provider.WooCommerceAsync("order.updated", order)).OutcomeAsync());
        await shop.Api.AdvanceUntilAsync(TimeSpan.FromHours(24), () => Task.FromResult(shop.Smtp.To(email).Any()), "the WooCommerce order's payment reminder");
        var reminder = shop.Smtp.To(email).Single();
        Assert.Contains("ist nicht abgeschlossen", reminder.Subject);
        Assert.Contains($"https://kaffee.example/checkout/order-pay/{orderId}/?pay_for_order=true", reminder.TextBody);
    }

    [Fact]
    public async Task AWooCommerceDraftIsACartUntilItsOrderIsPaidAndThePingIsAnswered()
    {
        var ping = new HttpRequestMessage(HttpMethod.Post, "/api/v1/connectors/woocommerce") { Content = new FormUrlEncodedContent([new("webhook_id", "17")]) };
        var pong = await _provider.SendAsync(ping);
        Assert.Equal(HttpStatusCode.OK, pong.StatusCode);

        var draftId = Random.Shared.Next(100_000, 999_999_999);
        var otherId = draftId + 1;
        var email = Bodies.NewEmail();
        var otherEmail = Bodies.NewEmail();
        foreach (var (id, address) in new[] { (draftId, email), (otherId, otherEmail) })
        {
            var draft = Webhooks.Load("woocommerce-order-created");
            draft["id"] = id;
            draft["status"] = "checkout-draft";
            draft["billing"]!["email"] = address;
            Assert.Equal(("applied", null), await (await _provider.WooCommerceAsync("order.updated", draft)).OutcomeAsync());
        }

        var cart = (await _operator.CartViewAsync($"{draftId}"))!.Value;
        Assert.Equal(("https://kaffee.example/checkout/", 18.9m), (cart.GetProperty("snapshot").GetProperty("restoreUrl").GetString(), cart.GetProperty("snapshot").GetProperty("items")[0].GetProperty("unitPrice").GetDecimal()));

        var paid = Webhooks.Load("woocommerce-order-created");
        paid["id"] = draftId;
        paid["status"] = "processing";
        paid["billing"]!["email"] = email;
        Assert.Equal("applied", (await (await _provider.WooCommerceAsync("order.updated", paid)).OutcomeAsync()).Outcome);
        Assert.Equal("purchased", (await _operator.CartViewAsync($"{draftId}"))!.Value.GetProperty("status").GetString());

        // Under required consent neither gets a reminder: the other draft's step is decided, and nothing reached either.
        await shop.Api.AdvanceUntilAsync(TimeSpan.FromHours(1), async () => (await _operator.CartViewAsync($"{otherId}"))!.Value.GetProperty("messages").GetArrayLength() > 0, "the other draft's step");
        Assert.Equal("no-consent", (await _operator.CartViewAsync($"{otherId}"))!.Value.GetProperty("messages")[0].GetProperty("reason").GetString());
        await shop.Smtp.WaitForAsync(email);
        Assert.Single(shop.Smtp.To(email));
    }

    [Fact]
    public async Task AWrongWooCommerceSignatureChangesNothing()
    {
        var orderId = Random.Shared.Next(100_000, 999_999_999);
        var order = Webhooks.Load("woocommerce-order-created");
        order["id"] = orderId;
        var answer = await _provider.WooCommerceAsync("order.created", order, secret: "not-the-woocommerce-secret");

        Assert.Equal(HttpStatusCode.Unauthorized, answer.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _operator.GetAsync($"/api/v1/orders/{orderId}")).StatusCode);
    }
}
