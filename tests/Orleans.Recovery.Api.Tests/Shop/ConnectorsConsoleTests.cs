using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Orleans.Recovery.Api.Tests.Console;

namespace Orleans.Recovery.Api.Tests.Shop;

/// <summary>The console's Connectors page in headless Chromium: the endpoints to paste into each provider, and the deliveries with what became of them.</summary>
[Collection(BrowserCollection.Name)]
[Trait("Category", "Browser")]
public sealed class ConnectorsConsoleTests(BrowserFixture browser, ShopFixture shop) : IClassFixture<ShopFixture>
{
    [Fact]
    public async Task TheOperatorSeesEachConnectorsAddressAndEveryDeliveryWithItsOutcome()
    {
        var checkout = Webhooks.Load("shopify-checkouts-create");
        checkout["token"] = Guid.NewGuid().ToString("N");
        checkout["email"] = Bodies.NewEmail();
        var provider = shop.Api.Anonymous();
        Assert.Equal("applied", (await (await provider.ShopifyAsync("checkouts/create", checkout)).OutcomeAsync()).Outcome);
        Assert.Equal("ignored", (await (await provider.ShopifyAsync("customers/create", new JsonObject { ["id"] = 1 })).OutcomeAsync()).Outcome);
        await provider.ShopifyAsync("checkouts/update", checkout, secret: "someone-elses-secret-0123456789");

        await using var context = await browser.OpenAsync(shop.Api);
        var page = await BrowserFixture.SignedInAsync(context, "/console");
        await page.GetByRole(AriaRole.Link, new() { Name = "Connectors" }).ClickAsync();

        await Assertions.Expect(page.Locator("tr[data-provider=shopify]")).ToContainTextAsync("https://recovery.shop.test/api/v1/connectors/shopify");
        await Assertions.Expect(page.Locator("tr[data-provider=shopify] td").First).ToHaveTextAsync("on");
        var deliveries = page.Locator("table[data-deliveries] tbody tr");
        await Assertions.Expect(deliveries.Filter(new() { HasText = "checkouts/create" }).First).ToHaveAttributeAsync("data-outcome", "applied");
        await Assertions.Expect(deliveries.Filter(new() { HasText = "customers/create" }).First).ToContainTextAsync("the topic customers/create is not one the engine maps");
        await Assertions.Expect(deliveries.Filter(new() { HasText = "checkouts/update" }).First).ToContainTextAsync("refused");
        await BrowserFixture.ScreenshotAsync(page, "console-connectors");

        // The shopper's consent from the checkout's box is proof on their customer page, and erase takes it away.
        await page.GotoAsync("/console/lookup");
        await page.GetByLabel("Customer's email address").FillAsync(checkout["email"]!.GetValue<string>());
        await page.GetByRole(AriaRole.Button, new() { Name = "Look up" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-figure=marketing-consent]")).ToContainTextAsync("given");
        await Assertions.Expect(page.Locator("table[data-consents] tbody tr").First).ToContainTextAsync("shopify");
        await Assertions.Expect(page.Locator("table[data-consents] tbody tr").First).ToContainTextAsync(Connectors.ShopifyConnector.Consent);
        await BrowserFixture.ScreenshotAsync(page, "console-customer-consent");
        await page.GetByRole(AriaRole.Button, new() { Name = "Erase this customer…" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Yes, erase everything" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-erased]")).ToContainTextAsync("1 cart(s)");
        var after = await (await shop.Api.Operator().PostAsync("/api/v1/customers/lookup", Bodies.Json(new JsonObject { ["email"] = checkout["email"]!.GetValue<string>() }))).ReadJsonAsync();
        Assert.Equal(0, after.GetProperty("consents").GetArrayLength());
    }
}
