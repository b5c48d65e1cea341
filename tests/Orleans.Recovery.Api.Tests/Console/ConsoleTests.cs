using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Orleans.Recovery.Api.Tests.Console;

/// <summary>
/// The operator's console in headless Chromium, as an operator uses it: sign in, read the overview, filter and
/// download leads. Each test leaves screenshots under the test output's screenshots folder.
/// </summary>
[Collection(BrowserCollection.Name)]
[Trait("Category", "Browser")]
public sealed partial class ConsoleTests(BrowserFixture browser, SmtpFixture smtpFixture)
{
    private readonly SmtpSink _smtp = smtpFixture.Smtp;

    [Fact]
    public async Task OnlyTheOperatorKeySignsInAndNothingShowsWithoutASession()
    {
        await using var api = new RecoveryApiFactory(_smtp, realServer: true);
        await using var context = await browser.OpenAsync(api);
        var page = await context.NewPageAsync();

        // The landing page leads to the console, which asks for the key first.
        await page.GotoAsync("/");
        await page.GetByRole(AriaRole.Link, new() { Name = "Open the console" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/console/sign-in"));
        await BrowserFixture.ScreenshotAsync(page, "console-sign-in");

        foreach (var wrong in new[] { "not-the-key-at-all-0123456789", RecoveryApiFactory.StorefrontKey })
        {
            await page.GetByLabel("Operator key").FillAsync(wrong);
            var refused = await page.RunAndWaitForResponseAsync(() => page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync(), response => response.Request.Method == "POST");
            Assert.Equal((int)HttpStatusCode.Unauthorized, refused.Status);
            await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("That is not the operator key.");
            Assert.Equal("", await page.GetByLabel("Operator key").InputValueAsync());
        }

        await BrowserFixture.ScreenshotAsync(page, "console-sign-in-refused");
        Assert.DoesNotContain(await context.CookiesAsync(), cookie => cookie.Name == "recovery-console");

        await page.GetByLabel("Operator key").FillAsync(RecoveryApiFactory.OperatorKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("What the recovery flows earned");
        var session = Assert.Single(await context.CookiesAsync(), cookie => cookie.Name == "recovery-console");
        Assert.True(session.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, session.SameSite);
        Assert.True(session.Secure, "outside Development the session cookie is Secure");

        // The session opens the console only: the API still wants its bearer key.
        var api401 = await page.APIRequest.GetAsync("/api/v1/stats");
        Assert.Equal((int)HttpStatusCode.Unauthorized, api401.Status);

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/console/sign-in$"));
        foreach (var path in new[] { "/console", "/console/leads", "/console/payments" })
        {
            await page.GotoAsync(path);
            await Assertions.Expect(page).ToHaveURLAsync(new Regex("/console/sign-in"));
        }
    }

    [Fact]
    public async Task ASessionOutlivesARestartAndEndsWhenTheOperatorKeyChanges()
    {
        string data;
        await using var context = await browser.NewContextForAnyPortAsync();
        await using (var first = new RecoveryApiFactory(_smtp, realServer: true))
        {
            data = first.DataDirectory;
            await BrowserFixture.SignedInAsync(context, first.Anonymous().BaseAddress + "console/leads");
        }

        // Cookies are the host's, whatever the port: the restarted API reads the session with the key ring it kept.
        await using (var restarted = new RecoveryApiFactory(_smtp, dataDirectory: data, realServer: true))
        {
            var page = await context.NewPageAsync();
            await page.GotoAsync(restarted.Anonymous().BaseAddress + "console/leads");
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Leads");
        }

        await using var rotated = new RecoveryApiFactory(_smtp, dataDirectory: data, settings: new Dictionary<string, string?>
        {
            ["Recovery:ApiKeys:Operator"] = "a-new-operator-key-0123456789",
        }, realServer: true);
        var after = await context.NewPageAsync();
        await after.GotoAsync(rotated.Anonymous().BaseAddress + "console/leads");
        await Assertions.Expect(after).ToHaveURLAsync(new Regex("/console/sign-in"));
    }

    [Fact]
    public async Task EveryPagePassesAxesWcag21AaChecksAndStartsWithASkipLink()
    {
        await using var api = new RecoveryApiFactory(_smtp, realServer: true);
        var shoppers = await SeedAsync(api);
        await using var context = await browser.OpenAsync(api);
        var anonymous = await context.NewPageAsync();
        var failures = new List<string>();
        foreach (var path in new[] { "/", "/console/sign-in" })
        {
            await anonymous.GotoAsync(path);
            failures.AddRange(await BrowserFixture.ViolationsAsync(anonymous, path));
        }

        var page = await BrowserFixture.SignedInAsync(context, "/console");
        string[] pages =
        [
            "/console", "/console/flows", "/console/flows/cart-abandonment", "/console/flows/post-purchase?step=1&locale=de&preview=1",
            "/console/leads", "/console/payments", "/console/connectors", "/console/sending", "/console/lookup", "/console/sessions", $"/console/carts/{shoppers.Clicker.CartId}", $"/console/orders/o-{shoppers.Buyer.CartId}",
        ];
        foreach (var path in pages)
        {
            await page.GotoAsync(path);
            failures.AddRange(await BrowserFixture.ViolationsAsync(page, path));

            // The keyboard's first stop skips the navigation.
            await page.Keyboard.PressAsync("Tab");
            Assert.Equal("Skip to content", await page.EvaluateAsync<string>("document.activeElement.textContent"));
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));

        // And the check does find a fault when there is one: an image with no text alternative.
        await page.EvaluateAsync("() => document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=\"data:,\">')");
        Assert.Contains(await BrowserFixture.ViolationsAsync(page, "with a bare image"), violation => violation.Contains("image-alt", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnOrdersPageShowsTheDelayChoiceAndTheRatingAndPaymentsShowTheDeclineReason()
    {
        await using var api = new RecoveryApiFactory(_smtp, realServer: true);
        var store = api.Storefront();
        var (orderId, email) = (Bodies.NewId("order"), Bodies.NewEmail());
        Assert.Equal(HttpStatusCode.Created, (await store.PostAsync("/api/v1/orders", Bodies.Json(Bodies.Order(orderId, null, email)))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await store.PostAsync($"/api/v1/orders/{orderId}/delays", Bodies.Json(Bodies.Delay("d1")))).StatusCode);
        await Eventually.TrueAsync(() => _smtp.To(email).Any(m => m.TextBody?.Contains("/d/") == true), what: "the delay notice");
        var wait = new Uri(ShopperLink().Matches(_smtp.To(email).First(m => m.TextBody!.Contains("/d/")).TextBody!).Select(m => m.Value).First(link => link.Contains("/d/"))).AbsolutePath;
        Assert.Equal(HttpStatusCode.OK, (await api.Anonymous().PostAsync(wait, new FormUrlEncodedContent([KeyValuePair.Create("choice", "wait")]))).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await store.PostAsync($"/api/v1/orders/{orderId}/delivered", null)).StatusCode);
        await api.AdvanceUntilAsync(TimeSpan.FromDays(3), () => Task.FromResult(_smtp.To(email).Any(m => m.TextBody?.Contains("/f/") == true)), "the review request");
        var rate = new Uri(ShopperLink().Matches(_smtp.To(email).First(m => m.TextBody!.Contains("/f/")).TextBody!).Select(m => m.Value).First(link => link.Contains("/f/"))).AbsolutePath;
        Assert.Equal(HttpStatusCode.OK, (await api.Anonymous().PostAsync(rate, new FormUrlEncodedContent([KeyValuePair.Create("rating", "4")]))).StatusCode);

        // Another shopper's payment fails.
        var (failedId, payer) = (Bodies.NewId("order"), Bodies.NewEmail());
        var failed = Bodies.Order(failedId, null, payer);
        failed["paymentStatus"] = "failed";
        Assert.Equal(HttpStatusCode.Created, (await store.PostAsync("/api/v1/orders", Bodies.Json(failed))).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await store.PostAsJsonAsync($"/api/v1/orders/{failedId}/payment-failed", new { reason = "card_expired", retryUrl = "https://shop.test/pay" })).StatusCode);

        await using var context = await browser.OpenAsync(api);
        var page = await BrowserFixture.SignedInAsync(context, "/console/lookup");
        await page.GetByLabel("Order id").FillAsync(orderId);
        await page.GetByRole(AriaRole.Button, new() { Name = "Open order" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-figure=delay-choice]")).ToHaveTextAsync("wait");
        await Assertions.Expect(page.Locator("[data-figure=rating]")).ToHaveTextAsync("4 of 5");
        await Assertions.Expect(page.Locator(".timeline li[data-kind=delay-choice]")).ToContainTextAsync("chose to wait");
        await Assertions.Expect(page.Locator(".timeline li[data-kind=rating]")).ToContainTextAsync("Rated 4 of 5");
        await Assertions.Expect(page.Locator(".timeline li[data-kind=delivered]")).ToHaveCountAsync(1);
        await BrowserFixture.ScreenshotAsync(page, "console-order-timeline");

        await page.GetByRole(AriaRole.Link, new() { Name = "Payments" }).ClickAsync();
        var reason = page.Locator("tr[data-reason=card_expired]");
        await Assertions.Expect(reason.Locator("td").First).ToHaveTextAsync("1");
        await Assertions.Expect(page.Locator($"tr[data-order='{failedId}']")).ToContainTextAsync("card expired");
        await BrowserFixture.ScreenshotAsync(page, "console-payments");
    }

    [Fact]
    public async Task TheOverviewShowsTheFiguresOfTheStatsApi()
    {
        await using var api = new RecoveryApiFactory(_smtp, realServer: true);
        await SeedAsync(api);
        var stats = await api.Operator().GetFromJsonAsync<JsonElement>("/api/v1/stats");
        var recovery = stats.GetProperty("flows").EnumerateArray().Where(flow => flow.GetProperty("flow").GetString() is "cart-abandonment" or "incomplete-payment").ToList();

        await using var context = await browser.OpenAsync(api);
        var page = await BrowserFixture.SignedInAsync(context, "/console");

        Assert.Equal(recovery.Sum(flow => flow.GetProperty("sent").GetInt32()).ToString(), await Figure(page, "sent"));
        Assert.Equal(recovery.Sum(flow => flow.GetProperty("clicked").GetInt32()).ToString(), await Figure(page, "clicked"));
        Assert.Equal(recovery.Sum(flow => flow.GetProperty("recovered").GetInt32()).ToString(), await Figure(page, "recovered"));
        Assert.Equal("EUR 42.70", await Figure(page, "revenue"));
        Assert.Equal(("3", "1", "1"), (await Figure(page, "sent"), await Figure(page, "clicked"), await Figure(page, "recovered")));
        Assert.Equal("33.3 %", await Figure(page, "recovery-rate"));

        // The chart has a bar on the day of the recovery, its figure in its title.
        var chart = page.Locator("svg[data-currency=EUR]");
        await Assertions.Expect(chart).ToBeVisibleAsync();
        Assert.Contains("2026-11-25: EUR 42.70", await chart.Locator("rect title").AllTextContentsAsync());
        await Assertions.Expect(page.Locator("[data-lift=cart-abandonment]")).ToHaveTextAsync("No holdout group: set a holdout share to measure the lift");
        await Assertions.Expect(page.Locator("tr[data-skip=purchased] td").Last).ToHaveTextAsync("2");
        await BrowserFixture.ScreenshotAsync(page, "console-overview");

        // A bad period is named beside its field, and changes nothing.
        await page.GetByLabel("From").FillAsync("2026-11-30");
        await page.GetByLabel("To").FillAsync("2026-11-01");
        await page.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
        await Assertions.Expect(page.Locator("#from-error")).ToContainTextAsync("after the to date");
        await BrowserFixture.ScreenshotAsync(page, "console-overview-bad-period");

        // And on a phone it reads without sideways scrolling.
        await using var phone = await browser.OpenAsync(api, phone: true);
        var small = await BrowserFixture.SignedInAsync(phone, "/console");
        Assert.True(await small.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth"), "no horizontal scroll at 390 px");
        await BrowserFixture.ScreenshotAsync(small, "console-overview-phone");
    }

    [Fact]
    public async Task LeadsAreFilteredSearchedByAddressPagedAndDownloadedAsTheApisCsv()
    {
        await using var api = new RecoveryApiFactory(_smtp, realServer: true);
        var shoppers = await SeedAsync(api);
        await using var context = await browser.OpenAsync(api);
        var page = await BrowserFixture.SignedInAsync(context, "/console/leads");

        var rows = page.Locator("tbody tr[data-lead]");
        await Assertions.Expect(rows).ToHaveCountAsync(3);
        await page.GetByLabel("Status").SelectOptionAsync("open");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(rows.First).ToHaveAttributeAsync("data-lead", shoppers.Ignorer.CartId);

        // The address is posted, never put in the page's address.
        await page.GetByLabel("Status").SelectOptionAsync("");
        await page.GetByLabel("Email address").FillAsync(shoppers.Clicker.Email);
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(rows.First).ToHaveAttributeAsync("data-lead", shoppers.Clicker.CartId);
        Assert.DoesNotContain("@", page.Url);
        await BrowserFixture.ScreenshotAsync(page, "console-leads-search");

        // Half an address is stopped by the browser; a period the wrong way round, by the server, beside its field.
        await page.GetByLabel("Email address").FillAsync("not an address");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        Assert.False(await page.GetByLabel("Email address").EvaluateAsync<bool>("input => input.validity.valid"));
        await page.GetByLabel("Email address").FillAsync("");
        await page.GetByLabel("From").FillAsync("2026-11-30");
        await page.GetByLabel("To").FillAsync("2026-11-01");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        await Assertions.Expect(page.Locator("#from-error")).ToContainTextAsync("after the to date");
        await page.GetByLabel("From").FillAsync("");
        await page.GetByLabel("To").FillAsync("");
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Button, new() { Name = "Download CSV" }).ClickAsync());
        Assert.Equal("leads.csv", download.SuggestedFilename);
        var csv = await File.ReadAllTextAsync((await download.PathAsync())!);
        Assert.Equal(await api.Operator().GetStringAsync("/api/v1/leads?format=csv"), csv);
        Assert.Equal(4, csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length);

        // The session alone does not download: a post from another page (no form token of this session's) is refused.
        foreach (var path in new[] { "/console/leads/csv", "/console/customers/export", "/console/sign-out" })
        {
            var form = page.APIRequest.CreateFormData();
            form.Set("Filter.Status", "open");
            var foreign = await page.APIRequest.PostAsync(path, new() { Form = form });
            Assert.Equal((int)HttpStatusCode.BadRequest, foreign.Status);
            Assert.Equal("application/problem+json", foreign.Headers["content-type"]);
        }
        await BrowserFixture.ScreenshotAsync(page, "console-leads");

        // Ten to a page: eleven more carts make a second page, which keeps the filter.
        var store = api.Storefront();
        for (var i = 0; i < 11; i++)
        {
            var (cartId, email) = Shopper();
            Assert.Equal(HttpStatusCode.NoContent, (await store.PutCartAsync(cartId, Bodies.Cart(cartId, email))).StatusCode);
        }

        await api.AdvanceUntilAsync(
            TimeSpan.FromHours(1),
            async () => (await api.Operator().GetFromJsonAsync<JsonElement>("/api/v1/leads?status=open")).GetProperty("items").GetArrayLength() == 12,
            "twelve open leads");
        await page.GetByLabel("Status").SelectOptionAsync("open");
        await page.GetByLabel("Per page").SelectOptionAsync("10");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(10);
        await page.GetByRole(AriaRole.Button, new() { Name = "Next page" }).ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        await Assertions.Expect(page.GetByLabel("Status")).ToHaveValueAsync("open");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Next page" })).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task AFlowDelayIsRefusedBesideItsFieldThenSavedAndItsStepPreviewedInASandbox()
    {
        await using var api = new RecoveryApiFactory(_smtp, realServer: true);
        await using var context = await browser.OpenAsync(api);
        var page = await BrowserFixture.SignedInAsync(context, "/console/flows");
        await page.GetByRole(AriaRole.Link, new() { Name = "cart-abandonment" }).First.ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("The cart-abandonment flow");
        var before = await api.Operator().GetStringAsync("/api/v1/flows/cart-abandonment");

        // Not a duration at all: named by the page. Before the step it follows: named by the flows API's rules.
        var delay = page.GetByLabel("Delay").Nth(1);
        await delay.FillAsync("soon");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save the flow" }).ClickAsync();
        await Assertions.Expect(page.Locator("[id='steps[1].delay-error']")).ToContainTextAsync("Write a duration");
        await Assertions.Expect(page.GetByLabel("Delay").Nth(1)).ToHaveAttributeAsync("aria-invalid", "true");
        await page.GetByLabel("Delay").Nth(1).FillAsync("00:01:00");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save the flow" }).ClickAsync();
        await Assertions.Expect(page.Locator("[id='steps[1].delay-error']")).ToHaveTextAsync("The delay must be later than the step before it.");
        await BrowserFixture.ScreenshotAsync(page, "console-flow-refused");
        Assert.Equal(before, await api.Operator().GetStringAsync("/api/v1/flows/cart-abandonment"));

        await page.GetByLabel("Delay").Nth(1).FillAsync("1.00:00:00");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save the flow" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-saved]")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-delay='2']")).ToHaveTextAsync("1.00:00:00");
        var saved = await api.Operator().GetFromJsonAsync<JsonElement>("/api/v1/flows/cart-abandonment");
        Assert.Equal("1.00:00:00", saved.GetProperty("definition").GetProperty("steps")[1].GetProperty("delay").GetString());
        Assert.Equal("operator", saved.GetProperty("source").GetString());
        await BrowserFixture.ScreenshotAsync(page, "console-flow-saved");

        // The German preview of step 2, with a sample cart, in a frame that may run nothing.
        await page.GetByLabel("Step", new() { Exact = true }).SelectOptionAsync("2");
        await page.GetByLabel("Language").SelectOptionAsync("de");
        await page.GetByRole(AriaRole.Button, new() { Name = "Preview" }).ClickAsync();
        var frame = page.Locator("iframe.preview");
        await Assertions.Expect(frame).ToHaveAttributeAsync("sandbox", "");
        await Assertions.Expect(page.Locator("[data-preview-subject]")).Not.ToBeEmptyAsync();
        var body = page.FrameLocator("iframe.preview").Locator("body");
        await Assertions.Expect(body).ToContainTextAsync("Warenkorb");
        await BrowserFixture.ScreenshotAsync(page, "console-flow-preview");
        await frame.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.Screenshots, "console-flow-preview-frame.png") });
    }

    [Fact]
    public async Task ACustomersTimelineShowsAndTheyAreErasedOnlyAfterConfirming()
    {
        await using var api = new RecoveryApiFactory(_smtp, realServer: true);
        var shoppers = await SeedAsync(api);
        await using var context = await browser.OpenAsync(api);
        var page = await BrowserFixture.SignedInAsync(context, "/console/lookup");

        // The cart that was clicked and bought: its messages, the click and the order.
        await page.GetByLabel("Cart id").FillAsync(shoppers.Clicker.CartId);
        await page.GetByRole(AriaRole.Button, new() { Name = "Open cart" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-figure=status]")).ToHaveTextAsync("purchased");
        await Assertions.Expect(page.Locator("[data-figure=clicks]")).ToHaveTextAsync("1");
        await Assertions.Expect(page.Locator(".timeline li[data-kind=sent]")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator(".timeline li[data-kind=clicked]")).ToHaveCountAsync(1);
        await BrowserFixture.ScreenshotAsync(page, "console-cart-timeline");

        // The cart that was abandoned for good: its skipped steps say why once the buyer's order cancels them.
        await page.GotoAsync("/console/carts/" + shoppers.Buyer.CartId);
        await Assertions.Expect(page.Locator(".timeline li[data-kind=skipped] [data-reason]").First).ToHaveTextAsync("purchased");

        await page.GotoAsync("/console/lookup");
        await page.GetByLabel("Customer's email address").FillAsync(shoppers.Ignorer.Email);
        await page.GetByRole(AriaRole.Button, new() { Name = "Look up" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-figure=messages]")).ToHaveTextAsync("1");
        Assert.DoesNotContain("@", page.Url);

        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Button, new() { Name = "Download everything held (JSON)" }).ClickAsync());
        var export = JsonDocument.Parse(await File.ReadAllTextAsync((await download.PathAsync())!)).RootElement;
        Assert.Equal(shoppers.Ignorer.Email, export.GetProperty("email").GetString());

        // Asking to erase only asks; cancelling leaves everything.
        await page.GetByRole(AriaRole.Button, new() { Name = "Erase this customer…" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alertdialog)).ToContainTextAsync("It cannot be undone");
        await BrowserFixture.ScreenshotAsync(page, "console-customer-erase-confirm");
        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        Assert.Single((await api.Operator().GetFromJsonAsync<JsonElement>("/api/v1/leads?status=open")).GetProperty("items").EnumerateArray());

        await page.GetByRole(AriaRole.Button, new() { Name = "Erase this customer…" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Yes, erase everything" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-erased]")).ToContainTextAsync("1 cart(s)");
        await BrowserFixture.ScreenshotAsync(page, "console-customer-erased");
        Assert.Empty((await api.Operator().GetFromJsonAsync<JsonElement>("/api/v1/leads?status=open")).GetProperty("items").EnumerateArray());
        var after = await (await api.Operator().PostAsJsonAsync("/api/v1/customers/lookup", new { email = shoppers.Ignorer.Email })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("erased", after.GetProperty("suppressedBecause").GetString());
    }

    [Fact]
    public async Task OrleansDashboardOpensBehindTheConsoleSignIn()
    {
        await using var api = new RecoveryApiFactory(_smtp, settings: new Dictionary<string, string?> { ["Recovery:Dashboard:Enabled"] = "true" }, realServer: true);
        await using var context = await browser.OpenAsync(api);
        var page = await context.NewPageAsync();

        await page.GotoAsync("/dashboard");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/console/sign-in"));
        await page.GetByLabel("Operator key").FillAsync(RecoveryApiFactory.OperatorKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/dashboard/?$"));

        // Orleans' own page, with this cluster's silo and grains on it.
        await Assertions.Expect(page.GetByText("Silos").First).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await BrowserFixture.ScreenshotAsync(page, "orleans-dashboard");
    }

    [Fact]
    public async Task TheApiReferenceRendersFromTheProductsOwnDescription()
    {
        await using var api = new RecoveryApiFactory(_smtp, realServer: true);
        await using var context = await browser.OpenAsync(api);
        var page = await context.NewPageAsync();
        var outside = new List<string>();
        page.Request += (_, request) =>
        {
            if (!request.Url.StartsWith(api.Anonymous().BaseAddress!.ToString(), StringComparison.Ordinal) && !request.Url.StartsWith("data:", StringComparison.Ordinal))
            {
                outside.Add(request.Url);
            }
        };

        await page.GotoAsync("/");
        await page.GetByRole(AriaRole.Link, new() { Name = "API reference" }).ClickAsync();
        await Assertions.Expect(page.GetByText("Orleans Recovery").First).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Assertions.Expect(page.GetByText("/api/v1/carts/{cartId}").First).ToBeAttachedAsync(new() { Timeout = 30_000 });
        await BrowserFixture.ScreenshotAsync(page, "api-reference");
        Assert.Empty(outside);
    }

    /// <summary>
    /// Three abandoned carts: one shopper clicks the reminder and buys (EUR 42.70 recovered), one buys without clicking,
    /// one does nothing; the step-1 reminders are sent on the factory's clock, 2026-11-25.
    /// </summary>
    private async Task<((string CartId, string Email) Clicker, (string CartId, string Email) Buyer, (string CartId, string Email) Ignorer)> SeedAsync(RecoveryApiFactory api)
    {
        var store = api.Storefront();
        var (clicker, buyer, ignorer) = (Shopper(), Shopper(), Shopper());
        foreach (var (cartId, email) in new[] { clicker, buyer, ignorer })
        {
            Assert.Equal(HttpStatusCode.NoContent, (await store.PutCartAsync(cartId, Bodies.Cart(cartId, email))).StatusCode);
        }

        await api.AdvanceUntilAsync(TimeSpan.FromHours(1), () => Task.FromResult(new[] { clicker, buyer, ignorer }.All(s => _smtp.To(s.Email).Any())), "step 1 to each");
        var link = new Uri(RecoveryLink().Match(_smtp.To(clicker.Email).Single().TextBody!).Value).PathAndQuery;
        Assert.Equal(HttpStatusCode.Found, (await api.Anonymous().GetAsync(link)).StatusCode);
        api.Clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(HttpStatusCode.Created, (await store.PostAsync("/api/v1/orders", Bodies.Json(Bodies.Order("o-" + clicker.CartId, clicker.CartId, clicker.Email)))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await store.PostAsync("/api/v1/orders", Bodies.Json(Bodies.Order("o-" + buyer.CartId, buyer.CartId, buyer.Email)))).StatusCode);
        await Eventually.TrueAsync(
            async () => (await api.Operator().GetFromJsonAsync<JsonElement>("/api/v1/stats")).GetProperty("flows")[0].GetProperty("recovered").GetInt32() == 1,
            what: "the recovery in the stats");
        return (clicker, buyer, ignorer);
    }

    private static Task<string> Figure(IPage page, string name) => page.Locator($"[data-figure={name}]").InnerTextAsync();

    private static (string CartId, string Email) Shopper() => (Bodies.NewId("cart"), Bodies.NewEmail());

    [GeneratedRegex(@"https://recovery\.shop\.test/r/[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+")]
    private static partial Regex RecoveryLink();

    [GeneratedRegex(@"https://recovery\.shop\.test/[rudfn]/[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+(\?(rating|choice)=\w+)?")]
    private static partial Regex ShopperLink();
}
