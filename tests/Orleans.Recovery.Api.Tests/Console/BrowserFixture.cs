using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Orleans.Recovery.Api.Tests.Console;

/// <summary>
/// Debian's headless Chromium, driven by Playwright for .NET pointed at the system executable: nothing downloads a
/// browser. test.sh installs the chromium package; RECOVERY_TEST_CHROMIUM names another executable.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Where each test leaves its screenshots: beside the test assembly, in the test output.</summary>
    public static string Screenshots { get; } = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "screenshots")).FullName;

    public async Task InitializeAsync()
    {
        var executable = Environment.GetEnvironmentVariable("RECOVERY_TEST_CHROMIUM") ?? "/usr/bin/chromium";
        if (!File.Exists(executable))
        {
            throw new InvalidOperationException($"No Chromium at {executable}: run ./test.sh, which installs Debian's chromium package, or set RECOVERY_TEST_CHROMIUM.");
        }

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = executable,
            Headless = true,
            // No sandbox as root in CI; the rest keep Chromium from reaching out to the internet this machine does not have.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    /// <summary>A fresh browser profile (no cookies) on <paramref name="api"/>, phone-sized when asked.</summary>
    public async Task<IBrowserContext> OpenAsync(RecoveryApiFactory api, bool phone = false)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = api.Anonymous().BaseAddress!.ToString(),
            ViewportSize = phone ? new ViewportSize { Width = 390, Height = 844 } : new ViewportSize { Width = 1280, Height = 900 },
            AcceptDownloads = true,
            Locale = "en-GB",
            TimezoneId = "UTC",
        });
        context.SetDefaultTimeout(15_000);
        return context;
    }

    /// <summary>A fresh profile with no base address, for a test that moves between API processes.</summary>
    public async Task<IBrowserContext> NewContextForAnyPortAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { Locale = "en-GB", TimezoneId = "UTC" });
        context.SetDefaultTimeout(15_000);
        return context;
    }

    public static Task ScreenshotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots, name + ".png"), FullPage = true });

    public static async Task<IPage> SignedInAsync(IBrowserContext context, string path)
    {
        var page = await context.NewPageAsync();
        await page.GotoAsync(path);
        await page.GetByLabel("Operator key").FillAsync(RecoveryApiFactory.OperatorKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex(Regex.Escape(new Uri(new Uri("http://any/"), path).PathAndQuery) + "$"));
        return page;
    }

    /// <summary>
    /// What axe-core finds against WCAG 2.1 A and AA: its script, as Deque.AxeCore.Commons ships it inside the
    /// assembly (nothing is fetched), run in the page.
    /// </summary>
    public static async Task<IEnumerable<string>> ViolationsAsync(IPage page, string path)
    {
        await page.AddScriptTagAsync(new() { Content = AxeScript.Value });
        var violations = await page.EvaluateAsync<JsonElement>("""
            async () => (await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }))
                .violations.map(v => `${v.id} (${v.impact}) ${v.help}: ${v.nodes.slice(0, 3).map(n => n.html).join('; ')}`)
            """);
        return violations.EnumerateArray().Select(violation => $"{path}: {violation.GetString()}").ToList();
    }

    private static readonly Lazy<string> AxeScript = new(() =>
    {
        using var stream = typeof(Deque.AxeCore.Commons.AxeResult).Assembly.GetManifestResourceStream("Deque.AxeCore.Commons.Resources.axe.min.js")
            ?? throw new InvalidOperationException("axe.min.js is not in Deque.AxeCore.Commons");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    /// <summary>Mail clients block images until asked: the pages and mail must hold their shape without them.</summary>
    public static Task BlockImagesAsync(IBrowserContext context) =>
        context.RouteAsync("**/*", route => route.Request.ResourceType == "image" ? route.AbortAsync() : route.ContinueAsync());

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>, ICollectionFixture<SmtpFixture>
{
    public const string Name = "browser";
}
