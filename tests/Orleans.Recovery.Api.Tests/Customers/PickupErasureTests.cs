using System.Net;
using System.Text.Json.Nodes;

namespace Orleans.Recovery.Api.Tests.Customers;

/// <summary>
/// With no SMTP host the engine writes its mail as .eml files (the embedded default): those copies hold the shopper's
/// name, cart and links, so the export lists them and the erase deletes them (issue 26, item 3), read on the file system.
/// </summary>
[Trait("Category", "Api")]
public sealed class PickupErasureTests(SmtpFixture smtpFixture) : IClassFixture<SmtpFixture>
{
    [Fact]
    public async Task TheExportListsAndTheEraseDeletesTheShoppersMailInThePickupDirectoryAndNoOneElses()
    {
        var outbox = Directory.CreateTempSubdirectory("recovery-outbox-").FullName;
        await using var api = new RecoveryApiFactory(smtpFixture.Smtp, settings: new Dictionary<string, string?>
        {
            ["Recovery:Smtp:Host"] = "",
            ["Recovery:Smtp:PickupDirectory"] = outbox,
        });
        var (erased, kept) = (Bodies.NewEmail(), Bodies.NewEmail());
        foreach (var email in new[] { erased, kept })
        {
            var cartId = Bodies.NewId("cart");
            await api.Storefront().PutCartAsync(cartId, Bodies.Cart(cartId, email));
        }

        bool Holds(string email) => Directory.EnumerateFiles(outbox, "*.eml").Any(file => File.ReadAllText(file).Contains(email, StringComparison.OrdinalIgnoreCase));
        await api.AdvanceUntilAsync(TimeSpan.FromHours(1), () => Task.FromResult(Holds(erased) && Holds(kept)), "both reminders in the pickup directory");

        var body = Bodies.Json(new JsonObject { ["email"] = erased });
        var export = await (await api.Operator().PostAsync("/api/v1/customers/export", body)).ReadJsonAsync();
        var listed = Assert.Single(export.GetProperty("pickupFiles").EnumerateArray()).GetString()!;
        Assert.Contains(erased, File.ReadAllText(Path.Combine(outbox, listed)), StringComparison.OrdinalIgnoreCase);

        var erasure = await api.Operator().PostAsync("/api/v1/customers/erase", Bodies.Json(new JsonObject { ["email"] = erased }));
        Assert.Equal(HttpStatusCode.OK, erasure.StatusCode);
        Assert.Equal(1, (await erasure.ReadJsonAsync()).GetProperty("pickupFilesDeleted").GetInt32());

        Assert.False(Holds(erased), "a copy of the erased shopper's mail is still in the pickup directory");
        Assert.True(Holds(kept));
    }
}
