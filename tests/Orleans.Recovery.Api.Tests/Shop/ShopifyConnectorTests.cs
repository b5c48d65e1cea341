using System.Net;
using System.Text.Json.Nodes;

namespace Orleans.Recovery.Api.Tests.Shop;

/// <summary>
/// Shopify's webhooks, built from its documented payloads and signed as Shopify signs them, through HTTP to a real host;
/// what the shopper receives is read at the real SMTP server.
/// </summary>
[Trait("Category", "Api")]
public sealed class ShopifyConnectorTests(ShopFixture shop) : IClassFixture<ShopFixture>
{
    private readonly HttpClient _shopify = shop.Api.Anonymous();
    private readonly HttpClient _operator = shop.Api.Operator();

    /// <summary>The documented checkout, for a new shopper and a new token, with the box ticked or not.</summary>
    private static (JsonObject Checkout, string Token, string Email) Checkout(bool acceptsMarketing = true)
    {
        var checkout = Webhooks.Load("shopify-checkouts-create");
        var token = Guid.NewGuid().ToString("N");
        var email = Bodies.NewEmail();
        checkout["token"] = token;
        checkout["email"] = email;
        checkout["customer"]!["email"] = email;
        checkout["buyer_accepts_marketing"] = acceptsMarketing;
        checkout["abandoned_checkout_url"] = $"https://kaffee.example/65432109876/checkouts/{token}/recover?key=5b2a0c9e8d7f6a1b";
        return (checkout, token, email);
    }

    private static JsonObject Order(string checkoutToken, string email, string orderId)
    {
        var order = Webhooks.Load("shopify-orders-create");
        order["id"] = JsonValue.Create(long.Parse(orderId));
        order["checkout_token"] = checkoutToken;
        order["email"] = email;
        order["contact_email"] = email;
        order["customer"]!["email"] = email;
        return order;
    }

    private static string NewOrderId() => (1_000_000_000_000_000_000L + Random.Shared.NextInt64(1_000_000_000_000_000L)).ToString();

    [Fact]
    public async Task ACheckoutGetsItsReminderAndItsLaterOrderStopsTheNext()
    {
        var (abandoned, abandonedToken, abandonedEmail) = Checkout();
        var (bought, boughtToken, boughtEmail) = Checkout();
        var (control, _, controlEmail) = Checkout();
        Assert.Equal(("applied", null), await (await _shopify.ShopifyAsync("checkouts/create", abandoned)).OutcomeAsync());
        Assert.Equal(("applied", null), await (await _shopify.ShopifyAsync("checkouts/update", bought)).OutcomeAsync());
        Assert.Equal(("applied", null), await (await _shopify.ShopifyAsync("checkouts/create", control)).OutcomeAsync());

        // The second shopper buys: Shopify sends the order, linked by the checkout's token, with an id past 2^53.
        var orderId = NewOrderId();
        Assert.Equal(HttpStatusCode.OK, (await _shopify.ShopifyAsync("orders/create", Order(boughtToken, boughtEmail, orderId))).StatusCode);
        var confirmation = (await shop.Smtp.WaitForAsync(boughtEmail))[0];
        Assert.Contains(orderId, (await (await _operator.GetAsync($"/api/v1/orders/{orderId}")).ReadJsonAsync()).GetProperty("order").GetProperty("orderId").GetString());

        await shop.Api.AdvanceUntilAsync(TimeSpan.FromHours(1), () => Task.FromResult(shop.Smtp.To(abandonedEmail).Any()), "the abandoned checkout's reminder");
        var reminder = shop.Smtp.To(abandonedEmail).Single();
        Assert.StartsWith("Jürgen, ", reminder.Subject);
        Assert.Contains("Espresso beans 1 kg", reminder.TextBody);
        Assert.Contains("Warenkorb", reminder.Subject);

        // The restore link leads to Shopify's recovery URL for that checkout.
        var restore = System.Text.RegularExpressions.Regex.Match(reminder.TextBody!, @"https://recovery\.shop\.test/r/\S+").Value;
        var redirect = await shop.Api.Anonymous().GetAsync(new Uri(restore).PathAndQuery);
        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        Assert.StartsWith($"https://kaffee.example/65432109876/checkouts/{abandonedToken}/recover", redirect.Headers.Location!.ToString());

        Assert.Equal([confirmation.Subject], shop.Smtp.To(boughtEmail).Select(m => m.Subject));
        var cart = (await _operator.CartViewAsync(boughtToken))!.Value;
        Assert.Equal(("purchased", orderId), (cart.GetProperty("status").GetString(), cart.GetProperty("purchasedOrderId").GetString()));

        // The reminded shopper buys too: their second reminder, due with the control checkout's, never comes.
        var laterOrderId = NewOrderId();
        Assert.Equal("applied", (await (await _shopify.ShopifyAsync("orders/create", Order(abandonedToken, abandonedEmail, laterOrderId))).OutcomeAsync()).Outcome);
        await shop.Api.AdvanceUntilAsync(TimeSpan.FromHours(24), () => Task.FromResult(shop.Smtp.To(controlEmail).Count(m => m.Headers.Contains("List-Unsubscribe")) >= 2), "the control checkout's second reminder");
        Assert.Single(shop.Smtp.To(abandonedEmail), m => m.Headers.Contains("List-Unsubscribe"));
        Assert.Equal("purchased", (await _operator.CartViewAsync(abandonedToken))!.Value.GetProperty("status").GetString());
    }

    [Fact]
    public async Task ACompletedCheckoutStopsItsRemindersBeforeItsOrderArrives()
    {
        var (checkout, token, email) = Checkout();
        var (other, _, otherEmail) = Checkout();
        await _shopify.ShopifyAsync("checkouts/create", checkout);
        await _shopify.ShopifyAsync("checkouts/create", other);
        checkout["completed_at"] = "2026-11-25T10:20:00+01:00";
        Assert.Equal(("applied", "completed: its reminders stopped"), await (await _shopify.ShopifyAsync("checkouts/update", checkout)).OutcomeAsync());

        await shop.Api.AdvanceUntilAsync(TimeSpan.FromHours(1), () => Task.FromResult(shop.Smtp.To(otherEmail).Any()), "the other checkout's reminder");
        Assert.Empty(shop.Smtp.To(email));
        Assert.Equal("purchased", (await _operator.CartViewAsync(token))!.Value.GetProperty("status").GetString());
    }

    [Fact]
    public async Task WithoutTheMarketingBoxTickedTheShopperGetsNoReminderUnderRequiredConsent()
    {
        var (silent, silentToken, silentEmail) = Checkout(acceptsMarketing: false);
        var (consented, _, consentedEmail) = Checkout();
        await _shopify.ShopifyAsync("checkouts/create", silent);
        await _shopify.ShopifyAsync("checkouts/create", consented);

        await shop.Api.AdvanceUntilAsync(TimeSpan.FromHours(1), () => Task.FromResult(shop.Smtp.To(consentedEmail).Any()), "the consenting shopper's reminder");
        await Eventually.TrueAsync(async () => (await _operator.CartViewAsync(silentToken))!.Value.GetProperty("messages").GetArrayLength() > 0, what: "the silent checkout's step decided");
        Assert.Equal("no-consent", (await _operator.CartViewAsync(silentToken))!.Value.GetProperty("messages")[0].GetProperty("reason").GetString());
        Assert.Empty(shop.Smtp.To(silentEmail));

        var proof = (await (await _operator.PostAsync("/api/v1/customers/lookup", Bodies.Json(new JsonObject { ["email"] = consentedEmail }))).ReadJsonAsync()).GetProperty("consents")[0];
        Assert.Equal("shopify", proof.GetProperty("source").GetString());
    }

    [Fact]
    public async Task ARepeatedDeliverySendsNothingTwice()
    {
        var (checkout, token, email) = Checkout();
        await _shopify.ShopifyAsync("checkouts/create", checkout);
        var orderId = NewOrderId();
        var order = Order(token, email, orderId);
        var webhookId = Guid.NewGuid().ToString();
        Assert.Equal("applied", (await (await _shopify.ShopifyAsync("orders/create", order, webhookId)).OutcomeAsync()).Outcome);
        Assert.Equal(("duplicate", "this delivery was received before"), await (await _shopify.ShopifyAsync("orders/create", order, webhookId)).OutcomeAsync());

        // The fulfillment's notice comes after the confirmation: only then is "one confirmation" a fact, not a wait.
        var fulfillment = Webhooks.Load("shopify-fulfillments-create");
        fulfillment["order_id"] = JsonValue.Create(long.Parse(orderId));
        Assert.Equal("applied", (await (await _shopify.ShopifyAsync("fulfillments/create", fulfillment)).OutcomeAsync()).Outcome);
        // The two are handed to the relay side by side, so either may arrive first.
        var mails = await shop.Smtp.WaitForAsync(email, 2);
        var shipment = Assert.Single(mails, m => m.TextBody!.Contains("00340434161234567890"));
        var confirmation = Assert.Single(mails, m => m != shipment);
        Assert.Single(shop.Smtp.To(email), m => m.Subject == confirmation.Subject);
    }

    [Theory]
    [InlineData("wrong-secret-0123456789abcdef", "the X-Shopify-Hmac-Sha256 signature does not match")]
    [InlineData(null, "no X-Shopify-Hmac-Sha256 signature")]
    public async Task AWrongOrMissingSignatureIsRefusedAndChangesNothing(string? secret, string reason)
    {
        var (checkout, token, _) = Checkout();
        HttpResponseMessage answer;
        if (secret is null)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/connectors/shopify") { Content = Bodies.Json(checkout) };
            request.Headers.Add("X-Shopify-Topic", "checkouts/create");
            answer = await _shopify.SendAsync(request);
        }
        else
        {
            answer = await _shopify.ShopifyAsync("checkouts/create", checkout, secret: secret);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, answer.StatusCode);
        Assert.Equal("application/problem+json", answer.Content.Headers.ContentType?.MediaType);
        Assert.Contains(reason, (await answer.ReadJsonAsync()).GetProperty("detail").GetString());
        Assert.Null(await _operator.CartViewAsync(token));

        var deliveries = await (await _operator.GetAsync("/api/v1/connectors/deliveries?provider=shopify")).ReadJsonAsync();
        Assert.Contains(deliveries.EnumerateArray(), d => d.GetProperty("outcome").GetString() == "refused" && d.GetProperty("reason").GetString() == reason);
    }

    [Fact]
    public async Task WhatCannotBeMappedIsAnswered200AndLoggedWithTheReason()
    {
        var (checkout, token, _) = Checkout();
        checkout.Remove("email");
        checkout["customer"]!.AsObject().Remove("email");
        var withoutEmail = await _shopify.ShopifyAsync("checkouts/create", checkout);
        Assert.Equal(HttpStatusCode.OK, withoutEmail.StatusCode);
        Assert.Equal(("ignored", "the checkout has no valid email address yet"), await withoutEmail.OutcomeAsync());
        Assert.Null(await _operator.CartViewAsync(token));

        var (badLine, _, _) = Checkout();
        badLine["line_items"]![1]!["quantity"] = 0;
        Assert.Equal(("ignored", "line_items[1].quantity is not a whole number from 1 to 100000"), await (await _shopify.ShopifyAsync("checkouts/create", badLine)).OutcomeAsync());

        Assert.Equal("ignored", (await (await _shopify.ShopifyAsync("products/update", new JsonObject { ["id"] = 1 })).OutcomeAsync()).Outcome);

        var deliveries = await (await _operator.GetAsync("/api/v1/connectors/deliveries?provider=shopify&limit=10")).ReadJsonAsync();
        Assert.Contains(deliveries.EnumerateArray(), d => d.GetProperty("topic").GetString() == "products/update" && d.GetProperty("reason").GetString() == "the topic products/update is not one the engine maps");
    }

    [Fact]
    public async Task ACheckoutWithoutItsOptionalFieldsStillMaps()
    {
        // No customer object (a guest), no locale, no shipping chosen yet, no presentment currency, no sku on a line.
        var (checkout, token, email) = Checkout();
        checkout.Remove("customer");
        checkout.Remove("customer_locale");
        checkout.Remove("presentment_currency");
        checkout["shipping_lines"] = new JsonArray();
        checkout["line_items"]![1]!["sku"] = null;

        Assert.Equal(("applied", null), await (await _shopify.ShopifyAsync("checkouts/create", checkout)).OutcomeAsync());
        var snapshot = (await _operator.CartViewAsync(token))!.Value.GetProperty("snapshot");
        Assert.Equal(email, snapshot.GetProperty("customer").GetProperty("email").GetString());
        Assert.Equal("Jürgen", snapshot.GetProperty("customer").GetProperty("firstName").GetString());
        Assert.Equal(JsonValueKindNull, snapshot.GetProperty("shippingCost").ValueKind);
        Assert.StartsWith("variant-", snapshot.GetProperty("items")[1].GetProperty("sku").GetString());
    }

    private const System.Text.Json.JsonValueKind JsonValueKindNull = System.Text.Json.JsonValueKind.Null;

    [Fact]
    public async Task TheOlderPayloadWithACheckoutIdAndTheCustomersConsentStillMaps()
    {
        var legacy = Webhooks.Load("shopify-checkouts-create.legacy-2024-10");
        var token = Guid.NewGuid().ToString("N");
        var email = Bodies.NewEmail();
        legacy["token"] = token;
        legacy["email"] = email;
        legacy["buyer_accepts_marketing"] = false;

        Assert.Equal(("applied", null), await (await _shopify.ShopifyAsync("checkouts/create", legacy)).OutcomeAsync());
        var customer = await (await _operator.PostAsync("/api/v1/customers/lookup", Bodies.Json(new JsonObject { ["email"] = email }))).ReadJsonAsync();
        Assert.True(customer.GetProperty("hasConsent").GetBoolean());
        Assert.Equal(49.78m, (await _operator.CartViewAsync(token))!.Value.GetProperty("snapshot").GetProperty("total").GetDecimal());
    }
}
