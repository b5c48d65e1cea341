using System.Net;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using Orleans.Recovery.Testing;

namespace Orleans.Recovery.Api.Tests.Hosting;

[Trait("Category", "Api")]
public sealed class RestartTests(SmtpFixture smtpFixture) : IClassFixture<SmtpFixture>
{
    private readonly SmtpSink _smtp = smtpFixture.Smtp;

    [Fact]
    public async Task CartsAndTheirRemindersSurviveARestartAndAnOverdueStepGoesOutAfterwards()
    {
        var cartId = Bodies.NewId("cart");
        var email = Bodies.NewEmail();
        var start = new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);
        string directory;

        await using (var before = new RecoveryApiFactory(_smtp, clock: new FakeTimeProvider(start)))
        {
            directory = before.DataDirectory;
            Assert.Equal(HttpStatusCode.NoContent, (await before.Storefront().PutCartAsync(cartId, Bodies.Cart(cartId, email))).StatusCode);
        }

        // The host is gone; what it promised is in the file.
        Assert.Equal(1L, await CountAsync(directory, cartId));

        // It comes back two hours later: the step due at 11:00 is overdue.
        await using var after = new RecoveryApiFactory(_smtp, directory, new FakeTimeProvider(start.AddHours(2)));
        var view = (await after.Operator().CartViewAsync(cartId))!.Value;
        Assert.Equal("active", view.GetProperty("status").GetString());
        Assert.Equal(start.AddHours(1), view.GetProperty("nextDueAt").GetDateTimeOffset());

        await after.AdvanceUntilAsync(TimeSpan.Zero, () => Task.FromResult(_smtp.To(email).Any()), "the overdue step");
        Assert.Single(_smtp.To(email));

        // The relay has the message a moment before the cart hears its answer and logs it sent.
        var log = await Eventually.ValueAsync(
            async () => (await after.Operator().CartViewAsync(cartId))!.Value.GetProperty("messages"),
            messages => messages.GetArrayLength() == 1 && messages[0].GetProperty("status").GetString() != "sending",
            "the cart's log of the overdue step");
        var sent = Assert.Single(log.EnumerateArray());
        Assert.Equal("sent", sent.GetProperty("status").GetString());

        // Within about a minute of the restart: the reminder fires at its next period boundary.
        Assert.True(sent.GetProperty("at").GetDateTimeOffset() - start.AddHours(2) <= TimeSpan.FromMinutes(2));
    }

    private static async Task<long> CountAsync(string directory, string cartId)
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(directory, "recovery.db")};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM OrleansRemindersTable WHERE GrainId = 'cart/' || $cart";
        command.Parameters.AddWithValue("$cart", cartId);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
