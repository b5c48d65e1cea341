using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using MimeKit;
using Orleans.Recovery.Api.Tests.Console;

namespace Orleans.Recovery.Api.Tests.Links;

/// <summary>
/// The pages behind the links in emails, as a shopper sees them in headless Chromium: in the language of the email,
/// with the shop's brand, recording nothing until their button is pressed. Each page leaves a screenshot per language.
/// </summary>
[Collection(BrowserCollection.Name)]
[Trait("Category", "Browser")]
public sealed partial class ShopperPagesTests(BrowserFixture browser, SmtpFixture smtpFixture)
{
    private const string Support = "care@kaffee.test";
    private readonly SmtpSink _smtp = smtpFixture.Smtp;

    /// <summary>What each page says, by language: its heading, and the accessible names of its controls.</summary>
    private static readonly Dictionary<string, Words> Language = new()
    {
        ["en"] = new("en-IE", "Choose what you get from us", "Only the reminders about this cart", "All marketing email from Rösterei Nord", "You send too many emails", "Save my choice",
            "No more reminders about this cart", "You are unsubscribed", "Your delayed order", "Cancel the order", "Send my answer", "Thank you",
            "Rate your order", "4 of 5: happy", "Send my rating", "Our newsletter", "Yes, sign me up", "You are subscribed", "This link does not work any more"),
        ["de"] = new("de-DE", "Legen Sie fest, welche E-Mails Sie erhalten", "Nur die Erinnerungen zu diesem Warenkorb", "Alle Werbe-E-Mails von Rösterei Nord", "Sie schicken zu viele E-Mails", "Auswahl speichern",
            "Keine Erinnerungen mehr zu diesem Warenkorb", "Sie sind abgemeldet", "Ihre verzögerte Bestellung", "Bestellung stornieren", "Antwort senden", "Vielen Dank",
            "Bewerten Sie Ihre Bestellung", "4 von 5: zufrieden", "Bewertung senden", "Unser Newsletter", "Ja, bitte anmelden", "Sie sind angemeldet", "Dieser Link funktioniert nicht mehr"),
    };

    [Theory]
    [InlineData("en")]
    [InlineData("de")]
    public async Task EveryPageSpeaksTheEmailsLanguageWearsTheBrandAndRecordsNothingUntilItsButton(string language)
    {
        var words = Language[language];
        await using var api = Branded();
        var storefront = api.Storefront();
        var email = Bodies.NewEmail();
        var (orderId, cartMail, review, notice) = await MailOfEveryKindAsync(api, email, words.Locale);
        var unsubscribe = Path(cartMail.Headers["List-Unsubscribe"]!.Trim('<', '>'));
        var rating = Path(ShopperLink().Matches(review.TextBody!).Select(match => match.Value).First(link => link.Contains("/f/") && link.EndsWith("rating=4")));
        var newsletter = Path(ShopperLink().Matches(review.TextBody!).Select(match => match.Value).First(link => link.Contains("/n/")));
        var delay = Path(ShopperLink().Matches(notice.TextBody!).Select(match => match.Value).First(link => link.Contains("/d/") && link.EndsWith("choice=cancel")));

        // The browser asks for English: the link's language, the email's, wins.
        await using var context = await browser.OpenAsync(api);
        await BrowserFixture.BlockImagesAsync(context);
        var page = await context.NewPageAsync();

        await OpenAsync(page, unsubscribe, language, words.Unsubscribe, $"page-unsubscribe-{language}");
        await Assertions.Expect(page.GetByRole(AriaRole.Radio, new() { Name = words.ThisCart })).Not.ToBeCheckedAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Radio, new() { Name = words.AllMarketing })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Radio, new() { Name = words.TooMany })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = words.SaveChoice })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Img, new() { Name = "Rösterei Nord" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("Rösterei Nord GmbH · Speicherstadt 1 · 20457 Hamburg")).ToBeVisibleAsync();

        await OpenAsync(page, delay, language, words.Delay, $"page-delay-{language}");
        await Assertions.Expect(page.GetByRole(AriaRole.Radio, new() { Name = words.Cancel })).ToBeCheckedAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = words.SendAnswer })).ToBeVisibleAsync();

        await OpenAsync(page, rating, language, words.Rating, $"page-rating-{language}");
        await Assertions.Expect(page.GetByRole(AriaRole.Radio, new() { Name = words.FourOfFive })).ToBeCheckedAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = words.SendRating })).ToBeVisibleAsync();

        await OpenAsync(page, newsletter, language, words.Newsletter, $"page-newsletter-{language}");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = words.SignMeUp })).ToBeVisibleAsync();

        // Every page opened, as a mail scanner would: nothing is recorded.
        var customer = await CustomerAsync(api, email);
        Assert.Equal(JsonValueKind.Null, customer.GetProperty("unsubscribedAt").ValueKind);
        Assert.Equal(JsonValueKind.Null, customer.GetProperty("newsletterConsentAt").ValueKind);
        Assert.Empty(customer.GetProperty("preferences").EnumerateArray());
        var order = await (await api.Operator().GetAsync($"/api/v1/orders/{orderId}")).EnsureSuccessStatusCode().ReadJsonAsync();
        Assert.Equal(JsonValueKind.Null, order.GetProperty("rating").ValueKind);
        Assert.Equal(JsonValueKind.Null, order.GetProperty("delays")[0].GetProperty("choice").ValueKind);

        // The buttons record, and answer in the same language.
        await OpenAsync(page, delay, language, words.Delay, null);
        await page.GetByRole(AriaRole.Button, new() { Name = words.SendAnswer }).ClickAsync();
        await ExpectPageAsync(page, language, words.Thanks, $"page-delay-answered-{language}");

        await OpenAsync(page, rating, language, words.Rating, null);
        await page.GetByRole(AriaRole.Button, new() { Name = words.SendRating }).ClickAsync();
        await ExpectPageAsync(page, language, words.Thanks, $"page-rated-{language}");

        await OpenAsync(page, newsletter, language, words.Newsletter, null);
        await page.GetByRole(AriaRole.Button, new() { Name = words.SignMeUp }).ClickAsync();
        await ExpectPageAsync(page, language, words.Subscribed, $"page-subscribed-{language}");

        await OpenAsync(page, unsubscribe, language, words.Unsubscribe, null);
        await page.GetByRole(AriaRole.Radio, new() { Name = words.AllMarketing }).CheckAsync();
        await page.GetByRole(AriaRole.Radio, new() { Name = words.TooMany }).CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = words.SaveChoice }).ClickAsync();
        await ExpectPageAsync(page, language, words.Unsubscribed, $"page-unsubscribed-{language}");

        order = await (await api.Operator().GetAsync($"/api/v1/orders/{orderId}")).EnsureSuccessStatusCode().ReadJsonAsync();
        Assert.Equal(4, order.GetProperty("rating").GetProperty("value").GetInt32());
        Assert.Equal("cancel", order.GetProperty("delays")[0].GetProperty("choice").GetString());
        customer = await CustomerAsync(api, email);
        Assert.NotEqual(JsonValueKind.Null, customer.GetProperty("unsubscribedAt").ValueKind);
        Assert.NotEqual(JsonValueKind.Null, customer.GetProperty("newsletterConsentAt").ValueKind);
        var choice = Assert.Single(customer.GetProperty("preferences").EnumerateArray());
        Assert.Equal(("all-marketing", "too-many", "page"), (choice.GetProperty("scope").GetString(), choice.GetProperty("reason").GetString(), choice.GetProperty("via").GetString()));

        // A link with no language of its own (a broken one) follows the browser's Accept-Language.
        await using var local = await browser.Browser.NewContextAsync(new() { BaseURL = api.Anonymous().BaseAddress!.ToString(), Locale = words.Locale });
        var lost = await local.NewPageAsync();
        var response = await lost.GotoAsync("/u/not-a-token");
        Assert.Equal((int)HttpStatusCode.NotFound, response!.Status);
        await ExpectPageAsync(lost, language, words.NotFound, $"page-not-found-{language}");
    }

    [Fact]
    public async Task ThePagesPassAxesWcagChecksInBothLanguages()
    {
        await using var api = Branded();
        var preview = api.Operator();
        await using var context = await browser.Browser.NewContextAsync(new() { BypassCSP = true });
        var page = await context.NewPageAsync();
        await BrowserFixture.BlockImagesAsync(context);
        var failures = new List<string>();
        foreach (var language in new[] { "en", "de" })
        {
            foreach (var name in (await (await preview.GetAsync("/api/v1/pages")).EnsureSuccessStatusCode().ReadJsonAsync()).EnumerateArray().Select(e => e.GetString()!))
            {
                var rendered = await (await preview.PostAsync($"/api/v1/pages/{name}/preview", Bodies.Json(new JsonObject { ["locale"] = language })))
                    .EnsureSuccessStatusCode().ReadJsonAsync();
                Assert.Equal(language, rendered.GetProperty("language").GetString());
                await page.SetContentAsync(rendered.GetProperty("html").GetString()!);
                Assert.Equal(language, await page.GetAttributeAsync("html", "lang"));
                failures.AddRange(await BrowserFixture.ViolationsAsync(page, $"{language}/{name}"));
            }
        }

        Assert.Empty(failures);
    }

    [Fact]
    public async Task AGermanShopperStopsOneCartThenEverythingAndTheOperatorSeesBothChoices()
    {
        await using var api = Branded();
        var storefront = api.Storefront();
        var email = Bodies.NewEmail();
        var (firstCart, secondCart) = (Bodies.NewId("cart"), Bodies.NewId("cart"));

        // 1. The mail, in German.
        Assert.Equal(HttpStatusCode.NoContent, (await storefront.PutCartAsync(firstCart, Bodies.Cart(firstCart, email, "de-DE"))).StatusCode);
        await api.AdvanceUntilAsync(TimeSpan.FromHours(1), () => Task.FromResult(_smtp.To(email).Any()), "the first reminder");
        var mail = _smtp.To(email).Single();
        Assert.Equal("Ana, ist mit Ihrem Warenkorb bei Rösterei Nord etwas schiefgelaufen?", mail.Subject);
        Assert.Contains("<html lang=\"de\"", mail.HtmlBody);
        Assert.Contains("Abmelden oder festlegen, welche E-Mails Sie erhalten", mail.TextBody);

        // 2. The unsubscribe page, in German although the browser asks for English.
        await using var context = await browser.OpenAsync(api);
        await BrowserFixture.BlockImagesAsync(context);
        var page = await context.NewPageAsync();
        var unsubscribe = Path(mail.Headers["List-Unsubscribe"]!.Trim('<', '>'));
        var words = Language["de"];
        await OpenAsync(page, unsubscribe, "de", words.Unsubscribe, "german-path-1-unsubscribe-page");

        // 3. This cart only, with a reason.
        await page.GetByRole(AriaRole.Radio, new() { Name = words.ThisCart }).CheckAsync();
        await page.GetByRole(AriaRole.Radio, new() { Name = words.TooMany }).CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = words.SaveChoice }).ClickAsync();
        await ExpectPageAsync(page, "de", words.CartStopped, "german-path-2-this-cart-stopped");

        var stopped = (await api.Operator().CartViewAsync(firstCart))!.Value;
        var skipped = stopped.GetProperty("messages").EnumerateArray().Last();
        Assert.Equal(("skipped", "unsubscribed-cart", 2), (skipped.GetProperty("status").GetString(), skipped.GetProperty("reason").GetString(), skipped.GetProperty("step").GetInt32()));
        Assert.Equal(JsonValueKind.Null, stopped.GetProperty("nextStep").ValueKind);
        Assert.NotEqual(JsonValueKind.Null, stopped.GetProperty("remindersStoppedAt").ValueKind);

        // 4. The same cart touched again plans nothing; a later cart of theirs still gets its reminder.
        Assert.Equal(HttpStatusCode.NoContent, (await storefront.PutCartAsync(firstCart, Bodies.Cart(firstCart, email, "de-DE"))).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await storefront.PutCartAsync(secondCart, Bodies.Cart(secondCart, email, "de-DE"))).StatusCode);
        await api.AdvanceUntilAsync(TimeSpan.FromHours(1), () => Task.FromResult(_smtp.To(email).Count() == 2), "the second cart's reminder");
        var second = _smtp.To(email).Last();
        Assert.Contains($"/cart/{secondCart}/restore", (await FollowRestoreAsync(api, second)));
        Assert.Equal(JsonValueKind.Null, (await api.Operator().CartViewAsync(firstCart))!.Value.GetProperty("nextStep").ValueKind);

        // 5. RFC 8058 one-click from the second mail stops everything, though that link offered one cart.
        var oneClick = await api.Anonymous().PostAsync(Path(second.Headers["List-Unsubscribe"]!.Trim('<', '>')), new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]));
        Assert.Equal(HttpStatusCode.OK, oneClick.StatusCode);
        Assert.Contains("Sie sind abgemeldet", await oneClick.Content.ReadAsStringAsync());
        await api.AdvanceUntilAsync(TimeSpan.FromDays(3), async () =>
            (await api.Operator().CartViewAsync(secondCart))!.Value.GetProperty("messages").EnumerateArray().Any(m => m.GetProperty("reason").GetString() == "unsubscribed"), "the second cart's next step to be stopped");
        Assert.Equal(2, _smtp.To(email).Count());

        var customer = await CustomerAsync(api, email);
        var choices = customer.GetProperty("preferences").EnumerateArray().ToList();
        Assert.Equal(2, choices.Count);
        Assert.Equal(("this-cart", firstCart, "too-many", "page"), (choices[0].GetProperty("scope").GetString(), choices[0].GetProperty("cartId").GetString(), choices[0].GetProperty("reason").GetString(), choices[0].GetProperty("via").GetString()));
        Assert.Equal(("all-marketing", "one-click"), (choices[1].GetProperty("scope").GetString(), choices[1].GetProperty("via").GetString()));

        // The operator's customer view shows both choices, newest first.
        var console = await BrowserFixture.SignedInAsync(context, "/console/lookup");
        await console.GetByLabel("Customer's email address").FillAsync(email);
        await console.GetByRole(AriaRole.Button, new() { Name = "Look up" }).ClickAsync();
        var rows = console.Locator("table[data-preferences] tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        await Assertions.Expect(rows.Nth(0)).ToContainTextAsync("all marketing email");
        await Assertions.Expect(rows.Nth(0)).ToContainTextAsync("one-click from the mail client");
        await Assertions.Expect(rows.Nth(1)).ToContainTextAsync($"reminders about cart {firstCart}");
        await Assertions.Expect(rows.Nth(1)).ToContainTextAsync("too many");
        await Assertions.Expect(rows.Nth(1)).ToContainTextAsync("the unsubscribe page");
        await BrowserFixture.ScreenshotAsync(console, "german-path-3-console-customer-choices");
        await console.GotoAsync($"/console/carts/{Uri.EscapeDataString(firstCart)}");
        await Assertions.Expect(console.GetByText("The shopper stopped the reminders about this cart")).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotAsync(console, "german-path-4-console-cart-stopped");

        // The operator previews the German page the shopper saw, from the flows page.
        await console.GotoAsync("/console/flows");
        await console.GetByLabel("Page", new() { Exact = true }).SelectOptionAsync("unsubscribe");
        await console.GetByLabel("Language", new() { Exact = true }).SelectOptionAsync("de");
        await console.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
        await Assertions.Expect(console.FrameLocator("iframe.preview").GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync(words.Unsubscribe);
        // A full-page screenshot paints a sandboxed frame blank; the frame's own shows what the operator sees.
        await console.Locator("iframe.preview").ScreenshotAsync(new() { Path = System.IO.Path.Combine(BrowserFixture.Screenshots, "german-path-5-console-page-preview.png") });
    }

    /// <summary>The Hamburg roastery the tests brand the product as: a logo over https, an accent colour and an imprint.</summary>
    private RecoveryApiFactory Branded() => new(_smtp, realServer: true, settings: new Dictionary<string, string?>
    {
        ["Recovery:Brand:Name"] = "Rösterei Nord",
        ["Recovery:Brand:LogoUrl"] = "https://cdn.roesterei-nord.test/logo.png",
        ["Recovery:Brand:LogoWidth"] = "160",
        ["Recovery:Brand:PrimaryColor"] = "#0b5fff",
        ["Recovery:Brand:FooterText"] = "Rösterei Nord GmbH · Speicherstadt 1 · 20457 Hamburg\nAmtsgericht Hamburg HRB 123456",
        ["Recovery:Alerts:Email"] = Support,
    });

    /// <summary>A cart reminder, and for a delivered order a review request and a delay notice, all to <paramref name="email"/>.</summary>
    private async Task<(string OrderId, MimeMessage Cart, MimeMessage Review, MimeMessage Notice)> MailOfEveryKindAsync(RecoveryApiFactory api, string email, string locale)
    {
        var storefront = api.Storefront();
        var cartId = Bodies.NewId("cart");
        Assert.Equal(HttpStatusCode.NoContent, (await storefront.PutCartAsync(cartId, Bodies.Cart(cartId, email, locale))).StatusCode);
        await api.AdvanceUntilAsync(TimeSpan.FromHours(1), () => Task.FromResult(_smtp.To(email).Any(m => m.TextBody?.Contains("/r/") == true)), "the cart reminder");

        var orderId = Bodies.NewId("order");
        var order = Bodies.Order(orderId, cartId, email);
        order["customer"]!["locale"] = locale;
        (await storefront.PostAsync("/api/v1/orders", Bodies.Json(order))).EnsureSuccessStatusCode();
        (await storefront.PostAsync($"/api/v1/orders/{orderId}/delivered", null)).EnsureSuccessStatusCode();
        await api.AdvanceUntilAsync(TimeSpan.FromDays(3), () => Task.FromResult(_smtp.To(email).Any(m => m.TextBody?.Contains("/f/") == true)), "the review request");
        (await storefront.PostAsync($"/api/v1/orders/{orderId}/delays", Bodies.Json(Bodies.Delay("d1")))).EnsureSuccessStatusCode();
        await Eventually.TrueAsync(() => _smtp.To(email).Any(m => m.TextBody?.Contains("/d/") == true), what: "the delay notice");

        var all = _smtp.To(email).ToList();
        return (orderId, all.First(m => m.TextBody!.Contains("/r/")), all.First(m => m.TextBody!.Contains("/f/")), all.First(m => m.TextBody!.Contains("/d/")));
    }

    private static async Task OpenAsync(IPage page, string path, string language, string heading, string? screenshot)
    {
        var response = await page.GotoAsync(path);
        Assert.Equal((int)HttpStatusCode.OK, response!.Status);
        Assert.Equal(language, response.Headers["content-language"]);
        await ExpectPageAsync(page, language, heading, screenshot);
    }

    private static async Task ExpectPageAsync(IPage page, string language, string heading, string? screenshot)
    {
        Assert.Equal(language, await page.GetAttributeAsync("html", "lang"));
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync(heading);
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= innerWidth"), "the page fits the window");
        if (screenshot is not null)
        {
            await BrowserFixture.ScreenshotAsync(page, screenshot);

            // And on a small phone: nothing runs off the side.
            var desktop = page.ViewportSize!;
            await page.SetViewportSizeAsync(360, 740);
            Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= innerWidth"), "the page fits a 360 px phone");
            await BrowserFixture.ScreenshotAsync(page, screenshot + "-360");
            await page.SetViewportSizeAsync(desktop.Width, desktop.Height);
        }
    }

    private static async Task<JsonElement> CustomerAsync(RecoveryApiFactory api, string email) =>
        await (await api.Operator().PostAsync("/api/v1/customers/lookup", Bodies.Json(new JsonObject { ["email"] = email }))).EnsureSuccessStatusCode().ReadJsonAsync();

    /// <summary>Where the reminder's restore link leads.</summary>
    private static async Task<string> FollowRestoreAsync(RecoveryApiFactory api, MimeMessage mail)
    {
        var response = await api.Anonymous().GetAsync(Path(ShopperLink().Match(mail.TextBody!).Value));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return response.Headers.Location!.ToString();
    }

    private static string Path(string url) => new Uri(url).PathAndQuery;

    private sealed record Words(
        string Locale, string Unsubscribe, string ThisCart, string AllMarketing, string TooMany, string SaveChoice,
        string CartStopped, string Unsubscribed, string Delay, string Cancel, string SendAnswer, string Thanks,
        string Rating, string FourOfFive, string SendRating, string Newsletter, string SignMeUp, string Subscribed, string NotFound);

    [GeneratedRegex(@"https://recovery\.shop\.test/[rudfn]/[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+(\?(rating|choice)=\w+)?")]
    private static partial Regex ShopperLink();
}
