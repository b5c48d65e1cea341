using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Orleans.Recovery.Api.Tests.Customers;

/// <summary>
/// The upgrade to keyed customer keys (issue 26, item 1), on a database the version before wrote
/// (<c>Fixtures/rekeying</c>, made by running that version: Ana unsubscribed, Bob bought, Cleo erased, Dan's first
/// reminder still due). On start everything is moved to the keyed keys, once, and every promise made before holds.
/// </summary>
[Trait("Category", "Api")]
public sealed class RekeyingTests(SmtpFixture smtpFixture) : IClassFixture<SmtpFixture>
{
    private readonly SmtpSink _smtp = smtpFixture.Smtp;

    private static string CopyOfFixture()
    {
        var data = Directory.CreateTempSubdirectory("recovery-rekeying-").FullName;
        foreach (var file in Directory.EnumerateFiles(Path.Combine(AppContext.BaseDirectory, "Fixtures", "rekeying")))
        {
            File.Copy(file, Path.Combine(data, Path.GetFileName(file)));
        }

        return data;
    }

    private static async Task<byte[]> DatabaseBytesAsync(string data)
    {
        var bytes = new List<byte>();
        foreach (var file in new[] { "recovery.db", "recovery.db-wal" }.Select(name => Path.Combine(data, name)).Where(File.Exists))
        {
            await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy);
            bytes.AddRange(copy.ToArray());
        }

        return [.. bytes];
    }

    private static long Count(string data, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(data, "recovery.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar());
    }

    [Fact]
    public async Task ADatabaseOfTheVersionBeforeIsRekeyedOnStartAndKeepsItsUnsubscribeErasurePurchaseAndPendingReminder()
    {
        var data = CopyOfFixture();
        var fixture = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(data, "fixture.json"))).RootElement;
        var people = fixture.GetProperty("people").EnumerateObject().ToDictionary(person => person.Name, person => person.Value.GetString()!);
        var clock = new FakeTimeProvider(DateTimeOffset.Parse(fixture.GetProperty("createdAt").GetString()!).AddMinutes(1));
        Assert.Equal(4, Count(data, "SELECT COUNT(DISTINCT customer_key) FROM recovery_messages WHERE customer_key LIKE 'c%'"));
        var cleosMessages = Count(data, $"SELECT COUNT(*) FROM recovery_messages WHERE customer_key = '{TestCustomerKeys.Unkeyed(people["cleo"])}'");
        Assert.True(cleosMessages > 0);

        await using (var api = new RecoveryApiFactory(_smtp, dataDirectory: data, clock: clock) { CaptureLogs = true })
        {
            var op = api.Operator();
            var rekeyed = Assert.Single(api.Logs.GetSnapshot(), log => log.Message.StartsWith("Re-keyed", StringComparison.Ordinal)).Message;
            Assert.StartsWith("Re-keyed 3 customer grains, 0 coupons, 3 carts and orders and 4 ledger keys (1 of erased customers", rekeyed);

            // No old key is left in the file, the erased customer's address neither; her counts are under a random key.
            var bytes = await DatabaseBytesAsync(data);
            foreach (var (name, email) in people)
            {
                Assert.True(bytes.AsSpan().IndexOf(Encoding.ASCII.GetBytes(TestCustomerKeys.Unkeyed(email))) < 0, $"the file still holds {name}'s unkeyed key");
            }

            Assert.True(bytes.AsSpan().IndexOf(Encoding.ASCII.GetBytes(people["cleo"])) < 0, "the file holds the erased address");
            Assert.Equal(cleosMessages, Count(data, "SELECT COUNT(*) FROM recovery_messages WHERE customer_key LIKE 'x%'"));
            Assert.Equal(0, Count(data, $"SELECT COUNT(*) FROM recovery_messages WHERE customer_key = '{TestCustomerKeys.Of(people["cleo"])}'"));
            Assert.Equal(1, Count(data, $"SELECT COUNT(*) FROM recovery_customers WHERE customer_key = '{TestCustomerKeys.Of(people["cleo"])}' AND erased_at IS NOT NULL"));

            // The figures are the same as before the upgrade.
            var flow = (await op.GetFromJsonAsync<JsonElement>("/api/v1/stats")).GetProperty("flows").EnumerateArray().Single(f => f.GetProperty("flow").GetString() == "cart-abandonment");
            Assert.Equal(fixture.GetProperty("sent").GetInt32(), flow.GetProperty("sent").GetInt32());

            // Dan's reminder, pending when the old version stopped (due an hour after his cart by today's flow), is sent;
            // Ana's next step is not, she unsubscribed.
            await api.AdvanceUntilAsync(TimeSpan.FromHours(2), () => Task.FromResult(_smtp.To(people["dan"]).Any()), "Dan's first reminder");
            async Task<bool> AnasStepSkipped() =>
                (await op.CartViewAsync("cart-ana"))!.Value.GetProperty("messages").EnumerateArray().Any(m => m.GetProperty("reason").GetString() == "unsubscribed");
            for (var hour = 0; hour < 36 && !await AnasStepSkipped(); hour++)
            {
                // An hour at a time, as a real clock moves: the step is due a day after her cart.
                await api.AdvanceUntilAsync(TimeSpan.FromHours(1), () => Task.FromResult(true), "the hour");
                await Task.Delay(TimeSpan.FromMilliseconds(200));
            }

            await api.AdvanceUntilAsync(TimeSpan.Zero, AnasStepSkipped, "Ana's second step to be skipped");

            // The unsubscribe link Ana was mailed by the old version still finds her, by her old key.
            var page = await api.Anonymous().GetAsync(fixture.GetProperty("unsubscribeLink").GetString());
            Assert.Contains("You are unsubscribed", await page.Content.ReadAsStringAsync());

            // Bob is found by his address: his cart and order. Cleo, erased, gets no mail for a new cart.
            var export = await (await op.PostAsJsonAsync("/api/v1/customers/export", new { email = people["bob"] })).EnsureSuccessStatusCode().ReadJsonAsync();
            Assert.Equal("order-bob", Assert.Single(export.GetProperty("orders").EnumerateArray()).GetProperty("order").GetProperty("orderId").GetString());
            Assert.Contains(export.GetProperty("messages").EnumerateArray(), message => message.GetProperty("sentAt").ValueKind == JsonValueKind.String);
            var again = Bodies.NewId("cart");
            await api.Storefront().PutCartAsync(again, Bodies.Cart(again, people["cleo"]));
            await api.AdvanceUntilAsync(TimeSpan.FromHours(2), async () =>
                (await op.CartViewAsync(again))!.Value.GetProperty("messages").EnumerateArray().Any(m => m.GetProperty("reason").GetString() == "erased"),
                "Cleo's new cart to be skipped as erased");
            Assert.Empty(_smtp.To(people["cleo"]));
            Assert.Empty(_smtp.To(people["ana"]));
        }

        // Once is enough: a restart finds nothing left to move.
        await using var restarted = new RecoveryApiFactory(_smtp, dataDirectory: data, clock: clock) { CaptureLogs = true };
        _ = restarted.Server;
        Assert.DoesNotContain(restarted.Logs.GetSnapshot(), log => log.Message.StartsWith("Re-keyed", StringComparison.Ordinal));
        Assert.Equal(0, Count(data, "SELECT COUNT(*) FROM recovery_messages WHERE customer_key LIKE 'c%'"));
    }
}
