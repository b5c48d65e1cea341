using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;

namespace Orleans.Recovery.Api.Tests.Links;

/// <summary>
/// One link clicked again and again (issue 26, item 4): every click still opens the cart, but the ledger keeps a
/// message's first 20 clicks as rows and no more, read with SQL from the product's own database. Before, each click was
/// a row: 30 a minute per link for as long as the link lived, kept beyond retention.
/// </summary>
[Trait("Category", "Api")]
public sealed partial class ClickFloodTests(SmtpFixture smtpFixture) : IClassFixture<SmtpFixture>
{
    [Fact]
    public async Task AMessageKeepsItsFirstTwentyClicksAsLedgerRowsHoweverOftenItIsClicked()
    {
        await using var api = new RecoveryApiFactory(smtpFixture.Smtp);
        var cartId = Bodies.NewId("cart");
        var email = Bodies.NewEmail();
        await api.Storefront().PutCartAsync(cartId, Bodies.Cart(cartId, email));
        await api.AdvanceUntilAsync(TimeSpan.FromHours(1), () => Task.FromResult(smtpFixture.Smtp.To(email).Any()), "the first reminder");
        var messageId = $"{cartId}/cart-abandonment/1";

        // The link in the mail, clicked as often as the link limit allows in a minute: 30 times.
        var link = new Uri(RecoveryLink().Match(smtpFixture.Smtp.To(email).Single().TextBody!).Value).PathAndQuery;
        for (var click = 0; click < 30; click++)
        {
            Assert.Equal(HttpStatusCode.Found, (await api.Anonymous().GetAsync(link)).StatusCode);
            api.Clock.Advance(TimeSpan.FromMilliseconds(7));
        }

        // The cart's next event reaches the ledger after its clicks: then the clicks are all in.
        await api.AdvanceUntilAsync(TimeSpan.FromHours(24), () => Task.FromResult(smtpFixture.Smtp.To(email).Count() >= 2), "the second reminder");
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(api.DataDirectory, "recovery.db")};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        async Task<long> CountAsync(string sql)
        {
            await using var command = new SqliteCommand(sql, connection);
            command.Parameters.AddWithValue("@id", messageId);
            return (long)(await command.ExecuteScalarAsync())!;
        }

        await Eventually.TrueAsync(async () => await CountAsync("SELECT count(*) FROM recovery_messages WHERE message_id = replace(@id, '/1', '/2') AND sent_at IS NOT NULL") == 1,
            what: "the second reminder in the ledger");
        Assert.Equal(20, await CountAsync("SELECT count(*) FROM recovery_message_events WHERE message_id = @id AND kind = 'clicked'"));

        var stats = await (await api.Operator().GetAsync("/api/v1/stats?flow=cart-abandonment")).ReadJsonAsync();
        Assert.Equal(1, stats.GetProperty("flows")[0].GetProperty("clicked").GetInt64());
    }

    [GeneratedRegex(@"https://recovery\.shop\.test/r/[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+")]
    private static partial Regex RecoveryLink();
}
