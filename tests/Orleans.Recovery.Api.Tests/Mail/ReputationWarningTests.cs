using Microsoft.Playwright;
using Orleans.Recovery.Api.Tests.Console;

namespace Orleans.Recovery.Api.Tests.Mail;

/// <summary>
/// The console's overview in headless Chromium once bounces and complaints came back through an ESP: the per-flow rates,
/// and the warning that the shop's sender reputation is at risk.
/// </summary>
[Collection(BrowserCollection.Name)]
[Trait("Category", "Browser")]
public sealed class ReputationWarningTests(BrowserFixture browser, SmtpFixture smtpFixture)
{
    [Fact]
    public async Task TheOverviewWarnsWhenComplaintsAndHardBouncesPassTheirThresholds()
    {
        await using var api = new RecoveryApiFactory(smtpFixture.Smtp, realServer: true, settings: new Dictionary<string, string?>
        {
            ["Recovery:Bounces:Postmark:Username"] = Webhooks.PostmarkUsername,
            ["Recovery:Bounces:Postmark:Password"] = Webhooks.PostmarkPassword,
        });
        var shoppers = Enumerable.Range(0, 4).Select(_ => (Email: Bodies.NewEmail(), CartId: Bodies.NewId("cart"))).ToList();
        foreach (var (email, cartId) in shoppers)
        {
            await api.Storefront().PutCartAsync(cartId, Bodies.Cart(cartId, email));
        }

        await api.AdvanceUntilAsync(TimeSpan.FromHours(1), () => Task.FromResult(shoppers.All(s => smtpFixture.Smtp.To(s.Email).Any())), "the four first reminders");
        System.Text.Json.Nodes.JsonNode Record(string name, string fixtureAddress, string email)
        {
            // As Postmark keeps it: the address, and the message's metadata from its X-PM-Metadata-* headers.
            var record = System.Text.Json.Nodes.JsonNode.Parse(Webhooks.LoadNode(name).ToJsonString().Replace(fixtureAddress, email))!.AsObject();
            var metadata = new System.Text.Json.Nodes.JsonObject();
            foreach (var header in smtpFixture.Smtp.To(email).Single().Headers.Where(h => h.Field.StartsWith("X-PM-Metadata-", StringComparison.OrdinalIgnoreCase)))
            {
                metadata[header.Field["X-PM-Metadata-".Length..]] = header.Value;
            }

            record["Metadata"] = metadata;
            return record;
        }

        // Of four messages sent, one bounced for good and one was reported as spam: 25 % each, far past 2 % and 0.1 %.
        (await api.Anonymous().PostmarkAsync(Record("postmark-bounce-hard", "ana@example.com", shoppers[0].Email))).EnsureSuccessStatusCode();
        (await api.Anonymous().PostmarkAsync(Record("postmark-spam-complaint", "ben@example.com", shoppers[1].Email))).EnsureSuccessStatusCode();

        await using var context = await browser.OpenAsync(api);
        var page = await BrowserFixture.SignedInAsync(context, "/console");

        var warning = page.Locator("[data-warning=deliverability]");
        await Assertions.Expect(warning.GetByRole(AriaRole.Heading)).ToHaveTextAsync("The shop's sender reputation is at risk");
        await Assertions.Expect(warning).ToContainTextAsync("Spam complaints over the last 7 days are 25.00 % of the mail sent (1 of 4)");
        await Assertions.Expect(warning).ToContainTextAsync("Hard bounces over the last 7 days are 25.00 % of the mail sent (1 of 4)");
        var flow = page.Locator("tr[data-deliverability=cart-abandonment]");
        await Assertions.Expect(flow.Locator("[data-figure=hard-bounces]")).ToHaveTextAsync("1 (25.00 %)");
        await Assertions.Expect(flow.Locator("[data-figure=complaints]")).ToHaveTextAsync("1 (25.00 %)");
        Assert.Empty(await BrowserFixture.ViolationsAsync(page, "/console"));
        await BrowserFixture.ScreenshotAsync(page, "console-overview-reputation-warning");

        // The customer's page says why no more mail goes to the address that bounced.
        await page.GotoAsync("/console/carts/" + shoppers[0].CartId);
        await Assertions.Expect(page.Locator(".timeline li[data-kind=bounced] [data-reason]")).ToHaveTextAsync("hard bounce");
        await page.GotoAsync("/console/lookup");
        await page.GetByLabel("Customer's email address").FillAsync(shoppers[0].Email);
        await page.GetByRole(AriaRole.Button, new() { Name = "Look up" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-figure=consent]")).ToHaveTextAsync("suppressed: hard bounce");
    }
}
