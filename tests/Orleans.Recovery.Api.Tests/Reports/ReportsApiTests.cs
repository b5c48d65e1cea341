using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CsvHelper;
using Orleans.Recovery.Api.Reports;
using Orleans.Recovery.Ledger;

namespace Orleans.Recovery.Api.Tests.Reports;

/// <summary>
/// The results over HTTP as an operator reads them: stats, the daily chart, leads as JSON and CSV, the payment report,
/// and a customer's export and erase, on the embedded default's SQLite file.
/// </summary>
[Trait("Category", "Api")]
public sealed partial class ReportsApiTests(SmtpFixture smtpFixture) : IClassFixture<SmtpFixture>
{
    private readonly SmtpSink _smtp = smtpFixture.Smtp;

    [Theory]
    [InlineData("/api/v1/stats?from=2026-13-01", "from")]
    [InlineData("/api/v1/stats?to=yesterday", "to")]
    [InlineData("/api/v1/stats?from=2026-11-20&to=2026-11-10", "from")]
    [InlineData("/api/v1/stats?from=2024-01-01&to=2026-01-01", "to")]
    [InlineData("/api/v1/stats?flow=newsletter", "flow")]
    [InlineData("/api/v1/stats/daily?flow=nope", "flow")]
    [InlineData("/api/v1/leads?status=won", "status")]
    [InlineData("/api/v1/leads?type=wishlist", "type")]
    [InlineData("/api/v1/leads?limit=0", "limit")]
    [InlineData("/api/v1/leads?limit=ten", "limit")]
    [InlineData("/api/v1/leads?cursor=not-ours", "cursor")]
    [InlineData("/api/v1/leads?format=xml", "format")]
    [InlineData("/api/v1/reports/incomplete-payments?from=25.11.2026", "from")]
    public async Task ABadQueryIsRefusedWithAProblemNamingTheField(string url, string field)
    {
        await using var api = new RecoveryApiFactory(_smtp);

        var response = await api.Operator().GetAsync(url);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True((await response.ReadJsonAsync()).GetProperty("errors").TryGetProperty(field, out _), $"the problem names {field}");
    }

    [Theory]
    [InlineData("/api/v1/stats")]
    [InlineData("/api/v1/stats/daily")]
    [InlineData("/api/v1/leads")]
    [InlineData("/api/v1/reports/incomplete-payments")]
    public async Task ResultsAreTheOperatorsAlone(string url)
    {
        await using var api = new RecoveryApiFactory(_smtp);

        Assert.Equal(HttpStatusCode.Forbidden, (await api.Storefront().GetAsync(url)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.Anonymous().GetAsync(url)).StatusCode);
    }

    [Fact]
    public async Task StatsDailyLeadsAndThePaymentReportAgreeWithWhatTheShoppersDid()
    {
        await using var api = new RecoveryApiFactory(_smtp, realServer: true);
        var (store, op) = (api.Storefront(), api.Operator());
        var (clicker, buyer, ignorer) = (Shopper(), Shopper(), Shopper());
        foreach (var (cartId, email) in new[] { clicker, buyer, ignorer })
        {
            Assert.Equal(HttpStatusCode.NoContent, (await store.PutCartAsync(cartId, Bodies.Cart(cartId, email))).StatusCode);
        }

        await api.AdvanceUntilAsync(TimeSpan.FromHours(1), () => Task.FromResult(new[] { clicker, buyer, ignorer }.All(s => _smtp.To(s.Email).Any())), "step 1 to each");

        // The clicker follows the link twice (a unique click counts once) and buys an hour later; the buyer buys without clicking.
        var link = new Uri(RecoveryLink().Match(_smtp.To(clicker.Email).Single().TextBody!).Value).PathAndQuery;
        Assert.Equal(HttpStatusCode.Found, (await api.Anonymous().GetAsync(link)).StatusCode);
        Assert.Equal(HttpStatusCode.Found, (await api.Anonymous().GetAsync(link)).StatusCode);
        api.Clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(HttpStatusCode.Created, (await store.PostAsync("/api/v1/orders", Bodies.Json(Bodies.Order("o-" + clicker.CartId, clicker.CartId, clicker.Email)))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await store.PostAsync("/api/v1/orders", Bodies.Json(Bodies.Order("o-" + buyer.CartId, buyer.CartId, buyer.Email)))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await store.PostAsync("/api/v1/orders", Bodies.Json(Bodies.Order("o-" + buyer.CartId, buyer.CartId, buyer.Email)))).StatusCode);

        // A failed payment of another shopper, with its first reminder a day later.
        var payer = Shopper();
        var failed = Bodies.Order("o-" + payer.CartId, null, payer.Email);
        failed["paymentStatus"] = "failed";
        Assert.Equal(HttpStatusCode.Created, (await store.PostAsync("/api/v1/orders", Bodies.Json(failed))).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await store.PostAsJsonAsync($"/api/v1/orders/o-{payer.CartId}/payment-failed", new { reason = "insufficient_funds", retryUrl = "https://shop.test/pay" })).StatusCode);
        await api.AdvanceUntilAsync(TimeSpan.FromDays(1), () => Task.FromResult(_smtp.To(payer.Email).Any() && _smtp.To(ignorer.Email).Count() == 2), "the payment reminder and step 2");

        var stats = await Eventually.ValueAsync(async () => (await op.GetFromJsonAsync<JsonElement>("/api/v1/stats?flow=cart-abandonment"))
            .GetProperty("flows")[0], flow => flow.GetProperty("sent").GetInt32() == 4, "step 2 in the stats");
        Assert.Equal(3, stats.GetProperty("entered").GetInt32());
        Assert.Equal(1, stats.GetProperty("clicked").GetInt32());
        Assert.Equal(1, stats.GetProperty("recovered").GetInt32());
        Assert.Equal(42.70m, stats.GetProperty("revenue")[0].GetProperty("amount").GetDecimal());
        Assert.Equal("EUR", stats.GetProperty("revenue")[0].GetProperty("currency").GetString());
        Assert.Equal(2, stats.GetProperty("skipped").GetProperty("purchased").GetInt32());
        Assert.Equal(1 / 3d, stats.GetProperty("recoveryRate").GetDouble(), 9);
        Assert.Equal(3, stats.GetProperty("holdout").GetProperty("treatedEntered").GetInt32());
        Assert.Equal(0, stats.GetProperty("holdout").GetProperty("entered").GetInt32());
        var step1 = stats.GetProperty("steps")[0];
        Assert.Equal((1, 3, 1, 1), (step1.GetProperty("step").GetInt32(), step1.GetProperty("sent").GetInt32(), step1.GetProperty("clicked").GetInt32(), step1.GetProperty("recovered").GetInt32()));

        var days = (await op.GetFromJsonAsync<JsonElement>("/api/v1/stats/daily?flow=cart-abandonment&from=2026-11-25&to=2026-11-26")).GetProperty("days");
        Assert.Equal(2, days.GetArrayLength());
        Assert.Equal(("2026-11-25", 3, 1, 1), (days[0].GetProperty("date").GetString(), days[0].GetProperty("sent").GetInt32(), days[0].GetProperty("clicked").GetInt32(), days[0].GetProperty("recovered").GetInt32()));
        Assert.Equal(42.70m, days[0].GetProperty("revenue")[0].GetProperty("amount").GetDecimal());
        Assert.Equal(1, days[1].GetProperty("sent").GetInt32());

        var leads = await op.GetFromJsonAsync<JsonElement>("/api/v1/leads?type=cart");
        Assert.Equal(3, leads.GetProperty("items").GetArrayLength());
        Assert.Equal(2, leads.GetProperty("items").EnumerateArray().Count(lead => lead.GetProperty("status").GetString() == "recovered"));
        var open = (await op.GetFromJsonAsync<JsonElement>("/api/v1/leads?type=cart&status=open")).GetProperty("items");
        Assert.Equal(ignorer.CartId, Assert.Single(open.EnumerateArray()).GetProperty("id").GetString());
        Assert.Equal(2, open[0].GetProperty("stepsSent").GetInt32());
        Assert.Equal(ignorer.Email, open[0].GetProperty("email").GetString());
        var payment = Assert.Single((await op.GetFromJsonAsync<JsonElement>("/api/v1/leads?type=payment")).GetProperty("items").EnumerateArray());
        Assert.Equal(("open", "insufficient_funds", 1), (payment.GetProperty("status").GetString(), payment.GetProperty("declineReason").GetString(), payment.GetProperty("stepsSent").GetInt32()));

        var report = await op.GetFromJsonAsync<JsonElement>("/api/v1/reports/incomplete-payments");
        var reason = Assert.Single(report.GetProperty("reasons").EnumerateArray());
        Assert.Equal(("insufficient_funds", 1, 1, 0), (reason.GetProperty("reason").GetString(), reason.GetProperty("failedOrders").GetInt32(), reason.GetProperty("remindersSent").GetInt32(), reason.GetProperty("recoveredOrders").GetInt32()));
        Assert.Equal("open", Assert.Single(report.GetProperty("orders").EnumerateArray()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task LeadsPageByCursorAndTheirCsvKeepsCommasQuotesAndLineBreaks()
    {
        await using var api = new RecoveryApiFactory(_smtp, realServer: true);

        // Names are single lines (they reach mail headers): the line breaks here are those between a cart's items.
        var names = new[] { "Ana, the \"Barista\"", "Zoë; \"quoted\", twice", "=HYPERLINK(\"x\")", "Émile Zoë" };
        var shoppers = names.Select(name => (Shopper: Shopper(), Name: name)).ToList();
        foreach (var ((cartId, email), name) in shoppers)
        {
            var cart = Bodies.Cart(cartId, email);
            cart["customer"]!["firstName"] = name;
            cart["customer"]!["lastName"] = "O'Brien, Jr.";
            cart["items"]![0]!["name"] = "Beans, \"dark\" roast";
            Assert.Equal(HttpStatusCode.NoContent, (await api.Storefront().PutCartAsync(cartId, cart)).StatusCode);
            api.Clock.Advance(TimeSpan.FromMinutes(1));
        }

        await api.AdvanceUntilAsync(TimeSpan.FromHours(1), () => Task.FromResult(shoppers.All(s => _smtp.To(s.Shopper.Email).Any())), "step 1 to each");
        var op = api.Operator();
        await Eventually.TrueAsync(async () => (await op.GetFromJsonAsync<JsonElement>("/api/v1/leads")).GetProperty("items").GetArrayLength() == 4, what: "four leads");

        // Newest first, three pages of at most two.
        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await op.GetFromJsonAsync<JsonElement>($"/api/v1/leads?limit=2{(cursor is null ? "" : $"&cursor={cursor}")}");
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(lead => lead.GetProperty("firstName").GetString()!));
            cursor = page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);
        Assert.Equal(names.Reverse(), seen);

        var response = await op.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/api/v1/leads") { Headers = { { "Accept", "text/csv" } } });
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("leads.csv", response.Content.Headers.ContentDisposition?.FileNameStar ?? response.Content.Headers.ContentDisposition?.FileName);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("\"Ana, the \"\"Barista\"\"\"", text);
        Assert.Contains("\"2 x Beans, \"\"dark\"\" roast (BEANS-1KG) at 18.90\n1 x Blue mug (MUG-BLUE) at 7.08\"", text);
        Assert.EndsWith("\r\n", text);

        // Read back with a CSV reader, every cell is what the shopper typed; the formula is defused with an apostrophe.
        using var reader = CsvReader.Create(Encoding.UTF8.GetBytes(text));
        var rows = new List<Dictionary<string, string?>>();
        while (reader.Read())
        {
            rows.Add(reader.Current.ToDictionary());
        }

        Assert.Equal(names.Reverse().Select(name => name.StartsWith('=') ? "'" + name : name), rows.Select(row => row["firstName"]));
        Assert.All(rows, row => Assert.Equal("O'Brien, Jr.", row["lastName"]));
        Assert.All(rows, row => Assert.Equal("2 x Beans, \"dark\" roast (BEANS-1KG) at 18.90\n1 x Blue mug (MUG-BLUE) at 7.08", row["items"]));
        Assert.Equal(text, await op.GetStringAsync("/api/v1/leads?format=csv"));
    }

    [Fact]
    public async Task AnExportHoldsEverythingAndAnEraseLeavesNoByteOfTheAddressInTheDatabaseOrItsLog()
    {
        await using var api = new RecoveryApiFactory(_smtp, realServer: true);
        var (cartId, email) = Shopper();
        var store = api.Storefront();
        Assert.Equal(HttpStatusCode.NoContent, (await store.PutCartAsync(cartId, Bodies.Cart(cartId, email))).StatusCode);
        await api.AdvanceUntilAsync(TimeSpan.FromHours(1), () => Task.FromResult(_smtp.To(email).Any()), "step 1");
        var link = new Uri(RecoveryLink().Match(_smtp.To(email).Single().TextBody!).Value).PathAndQuery;
        Assert.Equal(HttpStatusCode.Found, (await api.Anonymous().GetAsync(link)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await store.PostAsync("/api/v1/orders", Bodies.Json(Bodies.Order("o-" + cartId, cartId, email)))).StatusCode);
        var op = api.Operator();
        await Eventually.TrueAsync(async () => (await op.GetFromJsonAsync<JsonElement>("/api/v1/stats")).GetProperty("flows")[0].GetProperty("recovered").GetInt32() == 1, what: "the recovery in the stats");

        // Another cart, first reported with a mistyped address and then corrected: the ledger files it under the first.
        var corrected = Bodies.NewId("cart");
        Assert.Equal(HttpStatusCode.NoContent, (await store.PutCartAsync(corrected, Bodies.Cart(corrected, "typo-" + email))).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await store.PutCartAsync(corrected, Bodies.Cart(corrected, email))).StatusCode);

        var export = await (await op.PostAsJsonAsync("/api/v1/customers/export", new { email })).EnsureSuccessStatusCode().ReadJsonAsync();
        Assert.Equal(email, export.GetProperty("email").GetString());
        // Both carts hold the address now: the recovered one, and the corrected one that has no mail in the ledger yet.
        Assert.Equal(new[] { cartId, corrected }.Order(), export.GetProperty("carts").EnumerateArray().Select(cart => cart.GetProperty("cartId").GetString()).Order());
        Assert.Equal("o-" + cartId, Assert.Single(export.GetProperty("orders").EnumerateArray()).GetProperty("order").GetProperty("orderId").GetString());
        Assert.Single(export.GetProperty("clicks").EnumerateArray());
        Assert.Contains(export.GetProperty("messages").EnumerateArray(), message => message.GetProperty("sentAt").ValueKind == JsonValueKind.String);
        Assert.Equal(email, Assert.Single(export.GetProperty("leads").EnumerateArray()).GetProperty("email").GetString());
        Assert.Equal("Ana", export.GetProperty("profiles")[0].GetProperty("firstName").GetString());

        var erased = await (await op.PostAsJsonAsync("/api/v1/customers/erase", new { email })).EnsureSuccessStatusCode().ReadJsonAsync();
        Assert.Equal((2, 1, 1), (erased.GetProperty("carts").GetInt32(), erased.GetProperty("orders").GetInt32(), erased.GetProperty("leadsDeleted").GetInt32()));
        Assert.True(erased.GetProperty("compacted").GetBoolean());
        Assert.Null(await op.CartViewAsync(corrected));

        var database = Path.Combine(api.DataDirectory, "recovery.db");
        var address = Encoding.UTF8.GetBytes(email);
        var unkeyed = Encoding.ASCII.GetBytes(TestCustomerKeys.Unkeyed(email));
        foreach (var file in new[] { database, database + "-wal" }.Where(File.Exists))
        {
            var bytes = await ReadSharedAsync(file);
            Assert.True(IndexOf(bytes, address) < 0, $"{Path.GetFileName(file)} still holds the address");
            Assert.True(IndexOf(bytes, unkeyed) < 0, $"{Path.GetFileName(file)} holds the address's unkeyed hash");
        }

        // The counts stay under a key that leads nowhere; only the erasure itself is kept under the customer's key.
        await using (var sql = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False"))
        {
            await sql.OpenAsync();
            foreach (var table in new[] { "recovery_messages", "recovery_orders", "recovery_entries", "recovery_leads" })
            {
                await using var count = sql.CreateCommand();
                count.CommandText = $"SELECT COUNT(*) FROM {table} WHERE customer_key = '{TestCustomerKeys.Of(email)}'";
                Assert.True(Convert.ToInt64(await count.ExecuteScalarAsync()) == 0, $"{table} still files rows under the erased customer's key");
            }

            await using var anonymous = sql.CreateCommand();
            anonymous.CommandText = "SELECT COUNT(*) FROM recovery_messages WHERE customer_key LIKE 'x%'";
            Assert.True(Convert.ToInt64(await anonymous.ExecuteScalarAsync()) > 0, "the erased customer's messages are not kept for the counts");
        }

        // The anonymous counts stay; the address stays suppressed: a new cart of theirs gets no mail.
        var stats = (await op.GetFromJsonAsync<JsonElement>("/api/v1/stats")).GetProperty("flows")[0];
        Assert.Equal((1, 1), (stats.GetProperty("sent").GetInt32(), stats.GetProperty("recovered").GetInt32()));
        Assert.Empty((await op.GetFromJsonAsync<JsonElement>("/api/v1/leads")).GetProperty("items").EnumerateArray());
        var later = Bodies.NewId("cart");
        Assert.Equal(HttpStatusCode.NoContent, (await store.PutCartAsync(later, Bodies.Cart(later, email))).StatusCode);
        await api.AdvanceUntilAsync(TimeSpan.FromHours(1), async () => (await op.CartViewAsync(later))!.Value.GetProperty("messages").GetArrayLength() > 0, "the new cart's step 1");
        var skipped = (await op.CartViewAsync(later))!.Value.GetProperty("messages")[0];
        Assert.Equal(("skipped", "erased"), (skipped.GetProperty("status").GetString(), skipped.GetProperty("reason").GetString()));
        Assert.Single(_smtp.To(email), m => m.Headers.Contains("List-Unsubscribe"));
    }

    [Fact]
    public async Task TheCsvWriterQuotesNamesWithLineBreaksCommasAndQuotesAsRfc4180Says()
    {
        var lead = new LeadView("cart", "c-1", "ana@example.test", "Ana\r\nMaria, \"Mia\"", "Line\nbreak", null, null,
            [new Orleans.Recovery.Ledger.LeadItem("S,1", "Mug \"blue\"", 1, 7.5m)], 7.5m, "EUR", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, 0, null, "open", null, null);
        using var body = new MemoryStream();

        await LeadsCsv.WriteAsync(body, new[] { lead }.ToAsyncEnumerable(), CancellationToken.None);

        var text = Encoding.UTF8.GetString(body.ToArray());
        Assert.Contains(",\"Ana\r\nMaria, \"\"Mia\"\"\",\"Line\nbreak\",", text);
        using var reader = CsvReader.Create(body.ToArray());
        Assert.True(reader.Read());
        var row = reader.Current.ToDictionary();
        Assert.Equal(("Ana\r\nMaria, \"Mia\"", "Line\nbreak", "1 x Mug \"blue\" (S,1) at 7.5"), (row["firstName"], row["lastName"], row["items"]));
        Assert.False(reader.Read());
    }

    private static (string CartId, string Email) Shopper() => (Bodies.NewId("cart"), Bodies.NewEmail());

    private static async Task<byte[]> ReadSharedAsync(string file)
    {
        await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    private static int IndexOf(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle);

    [GeneratedRegex(@"https://recovery\.shop\.test/r/[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+")]
    private static partial Regex RecoveryLink();
}
