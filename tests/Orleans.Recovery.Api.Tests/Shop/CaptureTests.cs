using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Orleans.Recovery.Api.Tests.Console;

namespace Orleans.Recovery.Api.Tests.Shop;

/// <summary>
/// Capture at checkout step 1: the shop's checkout page, on its own origin, includes the engine's script; the shopper
/// types their address, name and ticks the consent box; the shop's server reports the items without a customer; the
/// reminder arrives. Shown in headless Chromium, and refused from an origin that is not the shop's.
/// </summary>
[Collection(BrowserCollection.Name)]
[Trait("Category", "Browser")]
public sealed class CaptureTests(BrowserFixture browser, ShopFixture shop) : IClassFixture<ShopFixture>
{
    private readonly HttpClient _storefront = shop.Api.Storefront();
    private readonly HttpClient _operator = shop.Api.Operator();

    private static JsonObject Items(string cartId)
    {
        var cart = Bodies.Cart(cartId, "unused@example.test");
        cart.Remove("customer");
        return cart;
    }

    [Fact]
    public async Task TheScriptOnTheShopsCheckoutPageCapturesTheShopperAndTheirReminderArrives()
    {
        var cartId = Bodies.NewId("cart");
        var email = Bodies.NewEmail();
        await using var context = await browser.NewContextForAnyPortAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync($"{shop.Checkout.Origin}/checkout?cart={cartId}");

        await page.GetByLabel("E-Mail", new() { Exact = true }).FillAsync(email);
        await page.GetByLabel("Vorname").FillAsync("Jürgen");
        var captured = page.WaitForResponseAsync(response => response.Url.EndsWith("/api/v1/capture", StringComparison.Ordinal) && response.Request.Method == "POST"
            && response.Request.PostDataJSON()?.GetProperty("marketingConsent").GetBoolean() == true);
        await page.GetByLabel("Ja, ich möchte Angebote").CheckAsync();
        Assert.Equal(204, (await captured).Status);
        await BrowserFixture.ScreenshotAsync(page, "capture-checkout-step-1");

        // The contact is on the cart before any item is; the shop's server then reports the items without a customer.
        var view = (await _operator.CartViewAsync(cartId))!.Value;
        Assert.Equal(email, view.GetProperty("captured").GetProperty("customer").GetProperty("email").GetString());
        Assert.Equal(HttpStatusCode.NoContent, (await _storefront.PutCartAsync(cartId, Items(cartId))).StatusCode);

        await shop.Api.AdvanceUntilAsync(TimeSpan.FromHours(1), () => Task.FromResult(shop.Smtp.To(email).Any()), "the cart reminder to the captured address");
        var reminder = shop.Smtp.To(email).Single();
        Assert.StartsWith("Jürgen, ", reminder.Subject);
        Assert.Contains("Espresso beans 1 kg", reminder.TextBody);

        // The consent is proof: from the capture script, with the wording beside the box and the client's address.
        var customer = await (await _operator.PostAsync("/api/v1/customers/lookup", Bodies.Json(new JsonObject { ["email"] = email }))).ReadJsonAsync();
        var consent = customer.GetProperty("consents")[0];
        Assert.Equal("capture", consent.GetProperty("source").GetString());
        Assert.Equal("Ja, ich möchte Angebote von Kaffee & Co per E-Mail erhalten. Abmeldung jederzeit.", consent.GetProperty("text").GetString());
        Assert.Equal("127.0.0.1", consent.GetProperty("clientAddress").GetString());
    }

    [Fact]
    public async Task TheSameScriptOnAPageOfAnotherOriginIsRefusedAndRecordsNothing()
    {
        var cartId = Bodies.NewId("cart");
        await using var context = await browser.NewContextForAnyPortAsync();
        var page = await context.NewPageAsync();
        var refusals = new List<string>();
        page.Console += (_, message) => refusals.Add(message.Text);
        await page.GotoAsync($"{shop.Elsewhere.Origin}/checkout?cart={cartId}");

        var failed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        page.RequestFailed += (_, request) =>
        {
            if (request.Url.EndsWith("/api/v1/capture", StringComparison.Ordinal))
            {
                failed.TrySetResult();
            }
        };
        await page.GetByLabel("E-Mail", new() { Exact = true }).FillAsync(Bodies.NewEmail());
        await page.GetByLabel("Vorname").FillAsync("Mallory");
        await page.GetByLabel("Vorname").BlurAsync();
        await failed.Task.WaitAsync(TimeSpan.FromSeconds(15));

        Assert.Contains(refusals, text => text.Contains("CORS", StringComparison.Ordinal));
        Assert.Null(await _operator.CartViewAsync(cartId));
    }

    [Fact]
    public async Task TheScriptIsSmallSelfContainedAndServedAsJavaScript()
    {
        var response = await shop.Api.Anonymous().GetAsync("/capture.js");
        var script = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/javascript", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Content.Headers.ContentLength < 5 * 1024, $"capture.js is {response.Content.Headers.ContentLength} bytes");
        Assert.DoesNotContain("import ", script, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"https?://(?!recovery\.example)", script);
    }

    [Theory]
    [InlineData(null, HttpStatusCode.Forbidden)]
    [InlineData("https://evil.example", HttpStatusCode.Forbidden)]
    [InlineData("allowed", HttpStatusCode.NoContent)]
    public async Task OnlyTheShopsOriginMayCallTheCaptureEndpointPreflightIncluded(string? origin, HttpStatusCode expected)
    {
        origin = origin == "allowed" ? shop.Checkout.Origin : origin;
        var preflight = new HttpRequestMessage(HttpMethod.Options, "/api/v1/capture");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        preflight.Headers.Add("Access-Control-Request-Headers", "authorization,content-type");
        if (origin is not null)
        {
            preflight.Headers.Add("Origin", origin);
        }

        var answer = await shop.Api.Anonymous().SendAsync(preflight);
        Assert.Equal(expected, answer.StatusCode);
        if (expected == HttpStatusCode.NoContent)
        {
            Assert.Equal(origin, answer.Headers.GetValues("Access-Control-Allow-Origin").Single());
        }
        else
        {
            Assert.Equal("application/problem+json", answer.Content.Headers.ContentType?.MediaType);
            Assert.False(answer.Headers.Contains("Access-Control-Allow-Origin"));
        }

        var cartId = Bodies.NewId("cart");
        var post = Capture(cartId, Bodies.NewEmail(), origin);
        var posted = await shop.Api.Anonymous().SendAsync(post);
        Assert.Equal(expected, posted.StatusCode);
        Assert.Equal(expected == HttpStatusCode.NoContent, await _operator.CartViewAsync(cartId) is not null);
    }

    [Theory]
    [InlineData(null, HttpStatusCode.Unauthorized)]
    [InlineData("not-the-key-0123456789", HttpStatusCode.Unauthorized)]
    [InlineData(RecoveryApiFactory.StorefrontKey, HttpStatusCode.Forbidden)]
    public async Task OnlyThePublishableKeyMayCapture(string? key, HttpStatusCode expected)
    {
        var cartId = Bodies.NewId("cart");
        var answer = await shop.Api.Anonymous().SendAsync(Capture(cartId, Bodies.NewEmail(), shop.Checkout.Origin, key));

        Assert.Equal(expected, answer.StatusCode);
        Assert.Equal("application/problem+json", answer.Content.Headers.ContentType?.MediaType);
        Assert.Null(await _operator.CartViewAsync(cartId));
    }

    [Fact]
    public async Task ThePublishableKeyCanDoNothingElse()
    {
        var client = shop.Api.Anonymous();
        client.DefaultRequestHeaders.Authorization = new("Bearer", ShopFixture.PublishableKey);
        var cartId = Bodies.NewId("cart");

        Assert.Equal(HttpStatusCode.Forbidden, (await client.PutCartAsync(cartId, Bodies.Cart(cartId, Bodies.NewEmail()))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/api/v1/stats")).StatusCode);
        Assert.Null(await _operator.CartViewAsync(cartId));
    }

    [Theory]
    [InlineData("email", "not-an-address")]
    [InlineData("cartId", "has space")]
    [InlineData("firstName", "Ana\r\nBcc: x@evil.example")]
    [InlineData("locale", "xx-nowhere")]
    public async Task BadInputIsA400NamingTheFieldAndRecordsNothing(string field, string value)
    {
        var cartId = Bodies.NewId("cart");
        var body = new JsonObject { ["cartId"] = cartId, ["email"] = Bodies.NewEmail(), ["firstName"] = "Ana", [field] = value };
        var request = Capture(cartId, "", shop.Checkout.Origin);
        request.Content = Bodies.Json(body);

        var answer = await shop.Api.Anonymous().SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        Assert.True((await answer.ReadJsonAsync()).GetProperty("errors").TryGetProperty(field, out _), $"the problem names {field}");
        Assert.Null(await _operator.CartViewAsync(cartId));
    }

    [Fact]
    public async Task ItemsReportedBeforeTheCaptureWaitForItAndTheShopsCustomerWinsOverACapturedOne()
    {
        // The shop's server reports the items first: stored, 202, nobody to remind yet.
        var waiting = Bodies.NewId("cart");
        Assert.Equal(HttpStatusCode.Accepted, (await _storefront.PutCartAsync(waiting, Items(waiting))).StatusCode);
        Assert.Equal(2, (await _operator.CartViewAsync(waiting))!.Value.GetProperty("awaitingContact").GetProperty("items").GetArrayLength());
        var email = Bodies.NewEmail();
        Assert.Equal(HttpStatusCode.NoContent, (await shop.Api.Anonymous().SendAsync(Capture(waiting, email, shop.Checkout.Origin))).StatusCode);
        var joined = (await _operator.CartViewAsync(waiting))!.Value;
        Assert.Equal(("active", email), (joined.GetProperty("status").GetString(), joined.GetProperty("snapshot").GetProperty("customer").GetProperty("email").GetString()));

        // A cart the shop reported with its customer keeps that customer whatever the script captures.
        var named = Bodies.NewId("cart");
        var shopsCustomer = Bodies.NewEmail();
        await _storefront.PutCartAsync(named, Bodies.Cart(named, shopsCustomer));
        await shop.Api.Anonymous().SendAsync(Capture(named, Bodies.NewEmail(), shop.Checkout.Origin));
        Assert.Equal(shopsCustomer, (await _operator.CartViewAsync(named))!.Value.GetProperty("snapshot").GetProperty("customer").GetProperty("email").GetString());
    }

    private static HttpRequestMessage Capture(string cartId, string email, string? origin, string? key = ShopFixture.PublishableKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/capture")
        {
            Content = Bodies.Json(new JsonObject { ["cartId"] = cartId, ["email"] = email, ["firstName"] = "Ana", ["marketingConsent"] = true, ["consentText"] = "Offers by email" }),
        };
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        if (key is not null)
        {
            request.Headers.Authorization = new("Bearer", key);
        }

        return request;
    }
}
