using Microsoft.Playwright;
using Orleans.Recovery.Api.Tests.Console;

namespace Orleans.Recovery.Api.Tests.Mail;

/// <summary>The console's Sending page in headless Chromium: the DKIM record to publish, the same the health details give.</summary>
[Collection(BrowserCollection.Name)]
[Trait("Category", "Browser")]
public sealed class SendingPageTests(BrowserFixture browser, SmtpFixture smtpFixture)
{
    [Fact]
    public async Task TheOperatorSeesTheDkimRecordToPublish()
    {
        await using var api = DkimTests.Host(smtpFixture.Smtp, DkimTests.KeyFile(DkimTests.RsaPkcs1()), realServer: true);
        var (name, value) = await DkimTests.RecordAsync(api);
        await using var context = await browser.OpenAsync(api);
        var page = await BrowserFixture.SignedInAsync(context, "/console");

        await page.GetByRole(AriaRole.Link, new() { Name = "Sending" }).ClickAsync();

        await Assertions.Expect(page.Locator("[data-figure=dkim]")).ToHaveTextAsync("signing as kaffee.test with rsa-sha256");
        await Assertions.Expect(page.Locator("[data-dkim-name]")).ToHaveTextAsync(name);
        await Assertions.Expect(page.Locator("[data-dkim-value]")).ToHaveTextAsync(value);
        await Assertions.Expect(page.Locator("[data-figure=from]")).ToHaveTextAsync("hello@kaffee.test");
        await BrowserFixture.ScreenshotAsync(page, "console-sending");
    }
}
