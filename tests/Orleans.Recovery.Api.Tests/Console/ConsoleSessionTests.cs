using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Orleans.Recovery.Api.Tests.Console;

/// <summary>
/// Console sessions that really end (issue 26, item 5), in headless Chromium: a copied cookie stops working when its
/// session signs out, every session ends 8 hours after sign-in however busy, and the operator sees the open sessions and
/// can end them all. Time moves on the business clock, which the session and its cookie both read.
/// </summary>
[Collection(BrowserCollection.Name)]
[Trait("Category", "Browser")]
public sealed class ConsoleSessionTests(BrowserFixture browser, SmtpFixture smtpFixture)
{
    private readonly SmtpSink _smtp = smtpFixture.Smtp;

    private static Task ShowsLeadsAsync(IPage page) =>
        Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Leads");

    private static Task AsksToSignInAsync(IPage page) => Assertions.Expect(page).ToHaveURLAsync(new Regex("/console/sign-in"));

    [Fact]
    public async Task SigningOutEndsTheSessionForACopyOfItsCookieToo()
    {
        await using var api = new RecoveryApiFactory(_smtp, realServer: true);
        await using var operatorsBrowser = await browser.OpenAsync(api);
        await using var thief = await browser.OpenAsync(api);
        var page = await BrowserFixture.SignedInAsync(operatorsBrowser, "/console/leads");

        // Someone copies the session cookie (from a shared machine, a proxy log) into a browser of their own.
        await thief.AddCookiesAsync((await operatorsBrowser.CookiesAsync()).Select(cookie => new Cookie
        {
            Name = cookie.Name,
            Value = cookie.Value,
            Domain = cookie.Domain,
            Path = cookie.Path,
            Secure = cookie.Secure,
            HttpOnly = cookie.HttpOnly,
            SameSite = cookie.SameSite,
        }));
        var stolen = await thief.NewPageAsync();
        await stolen.GotoAsync("/console/leads");
        await ShowsLeadsAsync(stolen);

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await AsksToSignInAsync(page);

        await stolen.GotoAsync("/console/leads");
        await AsksToSignInAsync(stolen);
    }

    [Fact]
    public async Task ASessionEndsEightHoursAfterSignInHoweverBusyItIs()
    {
        await using var api = new RecoveryApiFactory(_smtp, realServer: true);
        await using var context = await browser.OpenAsync(api);
        var page = await BrowserFixture.SignedInAsync(context, "/console/leads");

        // A page every half hour for seven and a half hours: a sliding expiry would never end this session.
        for (var i = 0; i < 15; i++)
        {
            api.Clock.Advance(TimeSpan.FromMinutes(30));
            await page.GotoAsync("/console/leads");
            await ShowsLeadsAsync(page);
        }

        api.Clock.Advance(TimeSpan.FromMinutes(30));
        await page.GotoAsync("/console/leads");
        await AsksToSignInAsync(page);
    }

    [Fact]
    public async Task TheOperatorSeesTheOpenSessionsAndSigningOutEverywhereEndsThemAll()
    {
        await using var api = new RecoveryApiFactory(_smtp, realServer: true);
        await using var laptop = await browser.OpenAsync(api);
        await using var phone = await browser.OpenAsync(api, phone: true);
        var other = await BrowserFixture.SignedInAsync(phone, "/console/leads");
        api.Clock.Advance(TimeSpan.FromMinutes(5));
        var page = await BrowserFixture.SignedInAsync(laptop, "/console/leads");

        await page.GetByRole(AriaRole.Link, new() { Name = "Sessions" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Sessions");
        var rows = page.Locator("[data-session]");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        // Newest first: this browser's, marked as such, then the phone's, five minutes older.
        await Assertions.Expect(rows.Nth(0)).ToContainTextAsync("(this session)");
        await Assertions.Expect(rows.Nth(0)).ToContainTextAsync("2026-11-25 10:05 UTC");
        await Assertions.Expect(rows.Nth(1)).Not.ToContainTextAsync("(this session)");
        await Assertions.Expect(rows.Nth(1)).ToContainTextAsync("2026-11-25 10:00 UTC");
        await Assertions.Expect(rows.Nth(1)).ToContainTextAsync("127.0.0.1");
        await Assertions.Expect(page.Locator("[data-current]")).ToHaveCountAsync(1);
        await BrowserFixture.ScreenshotAsync(page, "console-sessions");

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out everywhere" }).ClickAsync();
        await AsksToSignInAsync(page);
        await page.GotoAsync("/console/leads");
        await AsksToSignInAsync(page);
        await other.GotoAsync("/console/leads");
        await AsksToSignInAsync(other);

        // Signing in again opens a new session, the only one.
        page = await BrowserFixture.SignedInAsync(laptop, "/console/sessions");
        await Assertions.Expect(page.Locator("[data-session]")).ToHaveCountAsync(1);
    }
}
