using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Providers;
using Orleans.Recovery.Ledger;

namespace Orleans.Recovery.Api.Tests.Customers;

/// <summary>
/// Carts that hold a shopper's details without any mail or pending follow-up (first reported empty, or deleted before
/// the first reminder): neither the ledger nor the customer's pending carts name them, and the export and erase still
/// reach them (issue 26, item 3). The proof is the database file, read byte by byte.
/// </summary>
[Trait("Category", "Api")]
public sealed class ErasureReachTests(SmtpFixture smtpFixture) : IClassFixture<SmtpFixture>
{
    [Fact]
    public async Task TheExportListsAndTheEraseClearsACartFirstReportedEmptyAndACartDeletedBeforeAnyMail()
    {
        await using var api = new RecoveryApiFactory(smtpFixture.Smtp);
        var email = Bodies.NewEmail();
        var (empty, deleted) = (Bodies.NewId("cart"), Bodies.NewId("cart"));
        var emptyCart = Bodies.Cart(empty, email);
        emptyCart["items"] = new JsonArray();
        emptyCart["customer"]!["lastName"] = "Emptycartova";
        Assert.Equal(HttpStatusCode.NoContent, (await api.Storefront().PutCartAsync(empty, emptyCart)).StatusCode);
        var deletedCart = Bodies.Cart(deleted, email);
        deletedCart["customer"]!["lastName"] = "Deletedcartova";
        Assert.Equal(HttpStatusCode.NoContent, (await api.Storefront().PutCartAsync(deleted, deletedCart)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await api.Storefront().DeleteAsync($"/api/v1/carts/{deleted}")).StatusCode);

        var body = new JsonObject { ["email"] = email };
        var export = await (await api.Operator().PostAsync("/api/v1/customers/export", Bodies.Json(body))).EnsureSuccessStatusCode().ReadJsonAsync();
        Assert.Equal(new[] { deleted, empty }.Order(), export.GetProperty("carts").EnumerateArray().Select(cart => cart.GetProperty("cartId").GetString()).Order());
        Assert.Equal(["Deletedcartova", "Emptycartova"], export.GetProperty("profiles").EnumerateArray().Select(profile => profile.GetProperty("lastName").GetString()).Order());

        var erasure = await (await api.Operator().PostAsync("/api/v1/customers/erase", Bodies.Json(body))).EnsureSuccessStatusCode().ReadJsonAsync();
        Assert.Equal(2, erasure.GetProperty("carts").GetInt32());
        Assert.True(erasure.GetProperty("compacted").GetBoolean());
        Assert.Null(await api.Operator().CartViewAsync(empty));
        Assert.Null(await api.Operator().CartViewAsync(deleted));

        var database = Path.Combine(api.DataDirectory, "recovery.db");
        foreach (var file in new[] { database, database + "-wal" }.Where(File.Exists))
        {
            var bytes = await ReadSharedAsync(file);
            foreach (var trace in new[] { email, "Emptycartova", "Deletedcartova" })
            {
                Assert.True(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(trace)) < 0, $"{Path.GetFileName(file)} still holds {trace}");
            }
        }
    }

    /// <summary>
    /// A snapshot is acknowledged once the cart is stored, before the ledger commits the messages it plans, and no
    /// customer grain is told of a new cart. Here the ledger's append fails, as in a database outage right after the
    /// report: the ledger lists nothing, and the export and erase still find the cart through the silo whose ledger
    /// writer has not committed it.
    /// </summary>
    [Fact]
    public async Task TheExportAndTheEraseFindACartTheLedgerHasNotCommitted()
    {
        await using var api = new RecoveryApiFactory(smtpFixture.Smtp);
        var ledger = api.Services.GetRequiredService<SqlLedger>();
        var email = Bodies.NewEmail();
        var cartId = Bodies.NewId("cart");
        var failing = true;
        var refused = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ledger.BeforeCommit = batches =>
        {
            if (Volatile.Read(ref failing) && batches.Any(batch => batch.Owner.Id == cartId))
            {
                refused.TrySetResult();
                throw new InvalidOperationException("The ledger's database went away.");
            }

            return Task.CompletedTask;
        };

        var cart = Bodies.Cart(cartId, email);
        cart["customer"]!["lastName"] = "Uncommittova";
        Assert.Equal(HttpStatusCode.NoContent, (await api.Storefront().PutCartAsync(cartId, cart)).StatusCode);
        await refused.Task.WaitAsync(TimeSpan.FromSeconds(30));

        var body = new JsonObject { ["email"] = email };
        var export = await (await api.Operator().PostAsync("/api/v1/customers/export", Bodies.Json(body))).EnsureSuccessStatusCode().ReadJsonAsync();
        Assert.Equal(0, export.GetProperty("messages").GetArrayLength());
        Assert.Equal([cartId], export.GetProperty("carts").EnumerateArray().Select(found => found.GetProperty("cartId").GetString()));
        Assert.Equal(["Uncommittova"], export.GetProperty("profiles").EnumerateArray().Select(profile => profile.GetProperty("lastName").GetString()));

        // The database is back for the erase's own writes; what the cart planned is still not in the ledger.
        Volatile.Write(ref failing, false);
        var erasure = await (await api.Operator().PostAsync("/api/v1/customers/erase", Bodies.Json(body))).EnsureSuccessStatusCode().ReadJsonAsync();
        Assert.Equal(1, erasure.GetProperty("carts").GetInt32());
        Assert.Null(await api.Operator().CartViewAsync(cartId));
    }

    /// <summary>
    /// A silo that cannot list what its ledger writer holds (one of an earlier version, in a rolling upgrade that reached
    /// the API first): the erase cannot know it found every cart, so it answers 503 with Retry-After, not 500, and
    /// changes nothing.
    /// </summary>
    [Fact]
    public async Task AnEraseASiloCannotAnswerForIsRefusedWith503AndErasesNothing()
    {
        await using var api = new RecoveryApiFactory(smtpFixture.Smtp)
        {
            TestServices = services => services.RemoveAllKeyed<IControllable>(UncommittedHoldings.Name),
        };
        var (storefront, operatorClient) = (api.Storefront(), api.Operator());
        var email = Bodies.NewEmail();
        var cartId = Bodies.NewId("cart");
        Assert.Equal(HttpStatusCode.NoContent, (await storefront.PutCartAsync(cartId, Bodies.Cart(cartId, email))).StatusCode);

        var body = new JsonObject { ["email"] = email };
        var refused = await operatorClient.PostAsync("/api/v1/customers/erase", Bodies.Json(body));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero, "Retry-After");
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);

        Assert.NotNull(await operatorClient.CartViewAsync(cartId));
        var customer = await (await operatorClient.PostAsync("/api/v1/customers/lookup", Bodies.Json(body))).EnsureSuccessStatusCode().ReadJsonAsync();
        Assert.Equal(System.Text.Json.JsonValueKind.Null, customer.GetProperty("suppressedBecause").ValueKind);
    }

    private static async Task<byte[]> ReadSharedAsync(string file)
    {
        await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }
}
