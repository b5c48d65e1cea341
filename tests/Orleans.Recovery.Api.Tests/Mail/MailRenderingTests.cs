using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Orleans.Recovery.Api.Tests.Console;

namespace Orleans.Recovery.Api.Tests.Mail;

/// <summary>
/// Every email as a phone and a desktop mail client show it, with images blocked as most clients do until asked: a
/// single column that never runs wider than the screen, images that keep their size, alt text, a preheader, a dark
/// mode. Each template leaves a screenshot per language and width.
/// </summary>
[Collection(BrowserCollection.Name)]
[Trait("Category", "Browser")]
public sealed partial class MailRenderingTests(BrowserFixture browser, SmtpFixture smtpFixture)
{
    private readonly SmtpSink _smtp = smtpFixture.Smtp;

    [Theory]
    [InlineData("en")]
    [InlineData("de")]
    public async Task EveryTemplateHoldsItsShapeAt360And800PixelsWithImagesBlocked(string language)
    {
        var support = $"care-{language}-{Guid.NewGuid():N}@kaffee.test";
        await using var api = new RecoveryApiFactory(_smtp, settings: new Dictionary<string, string?>
        {
            ["Recovery:Brand:Name"] = "Rösterei Nord",
            ["Recovery:Brand:LogoUrl"] = "https://cdn.roesterei-nord.test/logo.png",
            ["Recovery:Brand:LogoWidth"] = "160",
            ["Recovery:Brand:PrimaryColor"] = "#0b5fff",
            ["Recovery:Brand:FooterText"] = "Rösterei Nord GmbH · Speicherstadt 1 · 20457 Hamburg\nAmtsgericht Hamburg HRB 123456",
            ["Recovery:Sender:Signature:Name"] = "Jill Magso",
            ["Recovery:Sender:Signature:Role"] = "Customer Happiness Manager",
            ["Recovery:Sender:Signature:PhotoUrl"] = "https://cdn.roesterei-nord.test/jill.jpg",
            ["Recovery:Alerts:Email"] = support,
            ["Recovery:Alerts:Language"] = language,
        });
        var mails = await EveryMailAsync(api, language, support);
        Assert.Equal(3 + 5 + 3 + 1, mails.Count);

        await using var context = await browser.Browser.NewContextAsync(new() { Locale = "en-GB" });
        await BrowserFixture.BlockImagesAsync(context);
        var page = await context.NewPageAsync();
        var failures = new List<string>();
        foreach (var (name, subject, html) in mails)
        {
            Assert.DoesNotMatch(ExternalStyle(), html);
            if (name != "feedback-alert")
            {
                Assert.Contains("Rösterei Nord", subject);
            }

            foreach (var width in new[] { 360, 800 })
            {
                await page.SetViewportSizeAsync(width, 800);
                await page.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Light });
                await page.SetContentAsync(html);
                Assert.Equal(language, await page.GetAttributeAsync("html", "lang"));
                var shape = await page.EvaluateAsync<JsonElement>(ShapeScript);
                failures.AddRange(shape.GetProperty("overflowing").EnumerateArray().Select(element => $"{name} at {width} px: {element.GetString()} runs past the right edge"));
                if (shape.GetProperty("scrollWidth").GetInt32() > width)
                {
                    failures.Add($"{name} at {width} px: the page scrolls sideways ({shape.GetProperty("scrollWidth").GetInt32()} px)");
                }

                foreach (var image in shape.GetProperty("images").EnumerateArray())
                {
                    var source = image.GetProperty("src").GetString();
                    if (image.GetProperty("alt").ValueKind == JsonValueKind.Null)
                    {
                        failures.Add($"{name}: the image {source} has no alt text");
                    }

                    if (image.GetProperty("height").ValueKind == JsonValueKind.Null || image.GetProperty("boxHeight").GetDouble() != double.Parse(image.GetProperty("height").GetString()!))
                    {
                        failures.Add($"{name} at {width} px: the image {source} does not keep its fixed height without loading ({image.GetProperty("boxHeight")})");
                    }
                }

                // The logo keeps its configured box with the image blocked, and says the shop's name instead.
                Assert.Contains(shape.GetProperty("images").EnumerateArray(), image => image.GetProperty("alt").GetString() == "Rösterei Nord" && image.GetProperty("boxWidth").GetDouble() == 160);
                if (name == "cart-abandonment-1")
                {
                    // The product image is blocked, yet its 48 px square is held: nothing moves when it loads.
                    Assert.Contains(shape.GetProperty("images").EnumerateArray(), image => image.GetProperty("src").GetString()!.EndsWith("/beans.jpg") && image.GetProperty("boxWidth").GetDouble() == 48);
                }

                if (name != "feedback-alert")
                {
                    Assert.False(string.IsNullOrWhiteSpace(shape.GetProperty("preheader").GetString()), $"{name} has a preheader");
                    Assert.False(shape.GetProperty("preheaderShown").GetBoolean(), $"{name}'s preheader is hidden in the body");
                }

                await BrowserFixture.ScreenshotAsync(page, $"mail-{name}-{language}-{width}");
            }

            // Dark mode: the card turns dark and the text light, so the mail stays readable in a dark mail client.
            await page.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Dark });
            // The blocked logo's alt text too, which would otherwise be dark grey on the dark card.
            var colours = await page.EvaluateAsync<string[]>("() => ['.card', '.card-cell p', 'img.logo'].map((selector, i) => { const style = getComputedStyle(document.querySelector(selector)); return i == 0 ? style.backgroundColor : style.color; })");
            Assert.Equal(["rgb(27, 31, 36)", "rgb(229, 231, 235)", "rgb(229, 231, 235)"], colours);
            await BrowserFixture.ScreenshotAsync(page, $"mail-{name}-{language}-800-dark");
        }

        Assert.Empty(failures);
    }

    /// <summary>
    /// Each flow step previewed through the API (the cart steps with a real cart whose products have images), and the
    /// shop's low-rating alert as a real mail at the SMTP server.
    /// </summary>
    private async Task<List<(string Name, string Subject, string Html)>> EveryMailAsync(RecoveryApiFactory api, string language, string support)
    {
        var storefront = api.Storefront();
        var operatorClient = api.Operator();
        var (cartId, email) = (Bodies.NewId("cart"), Bodies.NewEmail());
        var cart = Bodies.Cart(cartId, email, language);
        cart["items"]![0]!["name"] = "Äthiopien Yirgacheffe Single-Origin-Espressobohnen, Vorratspackung 1 kg";
        cart["items"]![0]!["imageUrl"] = "https://cdn.roesterei-nord.test/beans.jpg";
        cart["items"]![0]!["productUrl"] = "https://roesterei-nord.test/p/beans";
        cart["items"]![1]!["imageUrl"] = "https://cdn.roesterei-nord.test/mug.jpg";
        Assert.Equal(HttpStatusCode.NoContent, (await storefront.PutCartAsync(cartId, cart)).StatusCode);

        var mails = new List<(string, string, string)>();
        foreach (var (flow, steps) in new[] { ("cart-abandonment", 3), ("post-purchase", 5), ("incomplete-payment", 3) })
        {
            for (var step = 1; step <= steps; step++)
            {
                var body = new JsonObject { ["locale"] = language };
                if (flow == "cart-abandonment")
                {
                    body["cartId"] = cartId;
                }

                var preview = await (await operatorClient.PostAsync($"/api/v1/flows/{flow}/steps/{step}/preview", Bodies.Json(body))).EnsureSuccessStatusCode().ReadJsonAsync();
                mails.Add(($"{flow}-{step}", preview.GetProperty("subject").GetString()!, preview.GetProperty("html").GetString()!));
            }
        }

        var orderId = Bodies.NewId("order");
        (await storefront.PostAsync("/api/v1/orders", Bodies.Json(Bodies.Order(orderId, cartId, email)))).EnsureSuccessStatusCode();
        (await storefront.PostAsync($"/api/v1/orders/{orderId}/delivered", null)).EnsureSuccessStatusCode();
        await api.AdvanceUntilAsync(TimeSpan.FromDays(3), () => Task.FromResult(_smtp.To(email).Any(m => m.TextBody?.Contains("/f/") == true)), "the review request");
        var review = _smtp.To(email).First(m => m.TextBody!.Contains("/f/"));
        var feedback = new Uri(FeedbackLink().Match(review.TextBody!).Value).AbsolutePath;
        Assert.Equal(HttpStatusCode.OK, (await api.Anonymous().PostAsync(feedback, new FormUrlEncodedContent([new("rating", "1")]))).StatusCode);
        var alert = (await _smtp.WaitForAsync(support)).Single();
        mails.Add(("feedback-alert", alert.Subject!, alert.HtmlBody!));
        return mails;
    }

    /// <summary>What the test measures in the page: elements past the right edge, every image's box, the preheader.</summary>
    private const string ShapeScript = """
        () => {
          const width = innerWidth;
          const overflowing = [...document.body.querySelectorAll('*')]
            .filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.right > width + 0.5; })
            .map(e => `<${e.tagName.toLowerCase()} class="${e.className}"> "${(e.textContent || '').trim().slice(0, 40)}"`);
          const images = [...document.images].map(i => ({
            src: i.getAttribute('src'), alt: i.getAttribute('alt'), height: i.getAttribute('height'),
            boxWidth: i.getBoundingClientRect().width, boxHeight: i.getBoundingClientRect().height }));
          const first = document.body.firstElementChild;
          return {
            scrollWidth: document.documentElement.scrollWidth, overflowing, images,
            preheader: first && first.tagName === 'DIV' ? first.textContent : '',
            preheaderShown: !!first && first.tagName === 'DIV' && first.getBoundingClientRect().height > 0,
          };
        }
        """;

    [GeneratedRegex(@"<link[^>]+stylesheet|@import", RegexOptions.IgnoreCase)]
    private static partial Regex ExternalStyle();

    [GeneratedRegex(@"https://recovery\.shop\.test/f/[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+")]
    private static partial Regex FeedbackLink();
}
