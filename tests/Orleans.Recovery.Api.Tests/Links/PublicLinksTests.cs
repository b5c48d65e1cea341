using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Orleans.Recovery.Customers;
using Orleans.Recovery.Links;

namespace Orleans.Recovery.Api.Tests.Links;

/// <summary>The whole path a shopper takes: a cart over HTTP, the email over SMTP, the links in it.</summary>
[Trait("Category", "Api")]
public sealed partial class PublicLinksTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private readonly HttpClient _storefront = fixture.Api.Storefront();
    private readonly HttpClient _operator = fixture.Api.Operator();
    private readonly HttpClient _browser = fixture.Api.Anonymous();

    [Fact]
    public async Task TheRecoveryLinkRecordsTheClickAndRedirectsToTheRestoreUrl()
    {
        var (cartId, mail) = await AbandonCartAsync();
        var link = new Uri(RecoveryLink().Match(mail.TextBody!).Value);

        var response = await _browser.GetAsync(link.PathAndQuery);

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Equal($"https://shop.test/cart/{cartId}/restore", response.Headers.Location?.ToString());
        var click = Assert.Single((await _operator.CartViewAsync(cartId))!.Value.GetProperty("clicks").EnumerateArray());
        Assert.Equal($"{cartId}/cart-abandonment/1", click.GetProperty("messageId").GetString());
    }

    [Fact]
    public async Task ATamperedLinkGetsAPlain404()
    {
        var (_, mail) = await AbandonCartAsync();
        var path = new Uri(RecoveryLink().Match(mail.TextBody!).Value).PathAndQuery;
        var tampered = path[..^2] + (path[^2] == 'A' ? "BA" : "AA");

        foreach (var url in new[] { tampered, "/r/nonsense", "/u/nonsense", "/r/" + new string('a', 50) + "." + new string('b', 22) })
        {
            var response = await _browser.GetAsync(url);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains("This link does not work any more", await response.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task OneClickUnsubscribeStopsTheNextRecoveryEmail()
    {
        var (cartId, mail) = await AbandonCartAsync();
        var unsubscribe = new Uri(mail.Headers["List-Unsubscribe"]!.Trim('<', '>')).PathAndQuery;

        var page = await _browser.GetAsync(unsubscribe);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("<form method=\"post\">", await page.Content.ReadAsStringAsync());

        // RFC 8058: the mail client POSTs this exact body.
        var oneClick = await _browser.PostAsync(unsubscribe, new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]));
        Assert.Equal(HttpStatusCode.OK, oneClick.StatusCode);
        Assert.Contains("You are unsubscribed", await (await _browser.GetAsync(unsubscribe)).Content.ReadAsStringAsync());

        await fixture.Api.AdvanceUntilAsync(TimeSpan.FromHours(23), async () =>
            (await _operator.CartViewAsync(cartId))!.Value.GetProperty("messages").GetArrayLength() == 2, "step 2 to be decided");
        var second = (await _operator.CartViewAsync(cartId))!.Value.GetProperty("messages")[1];
        Assert.Equal(("skipped", "unsubscribed"), (second.GetProperty("status").GetString(), second.GetProperty("reason").GetString()));
        Assert.Single(fixture.Smtp.To(mail.To.Mailboxes.Single().Address));
    }

    [Fact]
    public async Task AnUnsubscribePostThatIsNeitherThePagesChoiceNorOneClickIsRefusedNamingTheFieldAndChangesNothing()
    {
        var (_, mail) = await AbandonCartAsync();
        var email = mail.To.Mailboxes.Single().Address;
        var unsubscribe = new Uri(mail.Headers["List-Unsubscribe"]!.Trim('<', '>')).PathAndQuery;
        var noBoundary = new ByteArrayContent("--x\r\n"u8.ToArray());
        noBoundary.Headers.TryAddWithoutValidation("Content-Type", "multipart/form-data");

        // Found by the fuzz test's seed 424242: a part that starts and never ends.
        var cutShort = new ByteArrayContent("--x\r\nContent-Disposition: form-data; name=\"scope\"\r\n\r\nall-mark"u8.ToArray());
        cutShort.Headers.TryAddWithoutValidation("Content-Type", "multipart/form-data; boundary=x");

        foreach (var body in new HttpContent?[]
        {
            null,
            Bodies.Json(new System.Text.Json.Nodes.JsonObject { ["scope"] = "all-marketing" }),
            Form(("reason", "too-many")),
            Form(("scope", "everything")),
            Form(("List-Unsubscribe", "one-click")),
            noBoundary,
            cutShort,
        })
        {
            var response = await _browser.PostAsync(unsubscribe, body);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.True((await response.ReadJsonAsync()).GetProperty("errors").TryGetProperty("scope", out _));
        }

        // A link from mail other than a cart's, or sent before links carried a language: no cart to stop, and the
        // page follows the browser's language.
        var tokens = fixture.Api.Services.GetRequiredService<LinkTokens>();
        var plain = "/u/" + tokens.Create(LinkPurpose.Unsubscribe, TestCustomerKeys.Of(email), fixture.Api.Services.GetRequiredService<TimeProvider>().GetUtcNow().AddDays(1));
        Assert.Equal(HttpStatusCode.BadRequest, (await _browser.PostAsync(plain, Form(("scope", "this-cart")))).StatusCode);
        using var german = new HttpRequestMessage(HttpMethod.Get, plain) { Headers = { { "Accept-Language", "fr-FR, de;q=0.8" } } };
        var page = await _browser.SendAsync(german);
        Assert.Equal("de", page.Content.Headers.ContentLanguage.Single());
        Assert.DoesNotContain("Nur die Erinnerungen zu diesem Warenkorb", await page.Content.ReadAsStringAsync());

        var customer = await (await _operator.PostAsync("/api/v1/customers/lookup", Bodies.Json(new System.Text.Json.Nodes.JsonObject { ["email"] = email }))).ReadJsonAsync();
        Assert.Equal(System.Text.Json.JsonValueKind.Null, customer.GetProperty("unsubscribedAt").ValueKind);
        Assert.Empty(customer.GetProperty("preferences").EnumerateArray());

        // A reason the page never offered is not kept; the choice is.
        Assert.Equal(HttpStatusCode.OK, (await _browser.PostAsync(unsubscribe, Form(("scope", "all-marketing"), ("reason", "<b>spam</b>")))).StatusCode);
        customer = await (await _operator.PostAsync("/api/v1/customers/lookup", Bodies.Json(new System.Text.Json.Nodes.JsonObject { ["email"] = email }))).ReadJsonAsync();
        var choice = Assert.Single(customer.GetProperty("preferences").EnumerateArray());
        Assert.Equal(("all-marketing", System.Text.Json.JsonValueKind.Null, "page"), (choice.GetProperty("scope").GetString(), choice.GetProperty("reason").ValueKind, choice.GetProperty("via").GetString()));
    }

    private static FormUrlEncodedContent Form(params (string Name, string Value)[] fields) =>
        new(fields.Select(field => KeyValuePair.Create(field.Name, field.Value)));

    private async Task<(string CartId, MimeMessage Mail)> AbandonCartAsync()
    {
        var cartId = Bodies.NewId("cart");
        var email = Bodies.NewEmail();
        await _storefront.PutCartAsync(cartId, Bodies.Cart(cartId, email));
        await fixture.Api.AdvanceUntilAsync(TimeSpan.FromHours(1), () => Task.FromResult(fixture.Smtp.To(email).Any()), $"mail to {email}");
        return (cartId, fixture.Smtp.To(email).Single());
    }

    [GeneratedRegex(@"https://recovery\.shop\.test/r/[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+")]
    private static partial Regex RecoveryLink();
}
