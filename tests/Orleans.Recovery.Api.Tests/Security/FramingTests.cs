using System.Net;
using Microsoft.Playwright;
using Orleans.Recovery.Api.Tests.Console;
using Orleans.Recovery.Api.Tests.Shop;

namespace Orleans.Recovery.Api.Tests.Security;

/// <summary>
/// Clickjacking: no other site may frame the console (issue 26, item 11). A page on another origin tries, in headless
/// Chromium; the console's own previews are still framed by the console, in their sandbox.
/// </summary>
[Collection(BrowserCollection.Name)]
[Trait("Category", "Browser")]
public sealed class FramingTests(BrowserFixture browser, SmtpFixture smtpFixture)
{
    [Theory]
    [InlineData("/console/sign-in")]
    [InlineData("/console")]
    [InlineData("/console/no-such-page")]
    public async Task EveryConsoleResponseForbidsFraming(string path)
    {
        await using var api = new RecoveryApiFactory(smtpFixture.Smtp);
        var answer = await api.Anonymous().GetAsync(path);

        Assert.Equal("DENY", answer.Headers.GetValues("X-Frame-Options").Single());
        Assert.Contains("frame-ancestors 'none'", answer.Headers.GetValues("Content-Security-Policy").Single());
    }

    [Fact]
    public async Task AnotherSiteCannotFrameTheConsoleButTheConsoleFramesItsPreview()
    {
        await using var api = new RecoveryApiFactory(smtpFixture.Smtp, realServer: true);
        var engine = api.Anonymous().BaseAddress!.ToString().TrimEnd('/');
        await using var attacker = await ShopPages.StartAsync(_ => $"""
            <!doctype html><html><body>
            <iframe id="console" src="{engine}/console/sign-in" width="800" height="600"></iframe>
            </body></html>
            """);

        await using var context = await browser.OpenAsync(api);
        var page = await BrowserFixture.SignedInAsync(context, "/console");

        // The attacker's page, with a signed-in operator's browser: the frame stays empty.
        var framing = await context.NewPageAsync();
        var blocked = framing.WaitForResponseAsync(response => response.Url.EndsWith("/console/sign-in", StringComparison.Ordinal));
        await framing.GotoAsync($"{attacker.Origin}/checkout?cart=x");
        Assert.Equal((int)HttpStatusCode.OK, (await blocked).Status);
        var frame = framing.Frames.Single(f => f != framing.MainFrame);
        await Eventually.TrueAsync(() => frame.Url.StartsWith("chrome-error://", StringComparison.Ordinal), what: $"the frame refused by the browser (now {frame.Url})");

        // The console's own preview: framed by the console, in its sandbox.
        var preview = await context.APIRequest.GetAsync("/console/flows/cart-abandonment/preview?step=1&locale=en");
        Assert.Equal(200, preview.Status);
        Assert.Equal("SAMEORIGIN", preview.Headers["x-frame-options"]);
        Assert.StartsWith("sandbox;", preview.Headers["content-security-policy"]);
        Assert.Contains("frame-ancestors 'self'", preview.Headers["content-security-policy"]);
    }
}
