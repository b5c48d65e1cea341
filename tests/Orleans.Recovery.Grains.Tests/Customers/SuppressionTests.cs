using Orleans.Recovery.Carts;
using Orleans.Recovery.FollowUps;
using Orleans.Recovery.Customers;
using Orleans.Recovery.Grains.Tests.Carts;
using Orleans.Recovery.Testing;
using Orleans.Recovery.Ledger;

namespace Orleans.Recovery.Grains.Tests.Customers;

/// <summary>Quiet hours and the frequency cap put marketing off; they never drop it. Each is checked across time zones.</summary>
[Collection(QuietHoursCollection.Name)]
[Trait("Category", "Grains")]
public sealed class SuppressionTests(QuietHoursClusterFixture cluster)
{
    private static CartSnapshot InZone(CartScenario shopper, string? timeZone, string? country = null) =>
        shopper.Snapshot() with { Customer = shopper.Customer with { TimeZone = timeZone, Country = country } };

    [Fact]
    public async Task QuietHoursDeferTheStepToTheCustomersOwnMorning()
    {
        // 06:00 UTC: the first steps fall due at 07:00 UTC, which is 08:00 in Berlin but 02:00 in New York.
        var start = cluster.AdvanceToUtc(TimeSpan.FromHours(6));
        var berlin = new CartScenario(cluster);
        var newYork = new CartScenario(cluster);
        var tokyoByCountry = new CartScenario(cluster);
        await berlin.Cart.UpdateAsync(InZone(berlin, "Europe/Berlin"));
        await newYork.Cart.UpdateAsync(InZone(newYork, "America/New_York"));
        await tokyoByCountry.Cart.UpdateAsync(InZone(tokyoByCountry, null, "JP"));

        await berlin.AdvanceUntilMailAsync(TimeSpan.FromHours(1));
        await tokyoByCountry.WaitForMailAsync();
        await newYork.WaitForLogAsync(m => m.Status == MessageStatus.Deferred);
        var deferral = (await newYork.ViewAsync()).Messages.Single(m => m.Status == MessageStatus.Deferred);
        Assert.Equal(SkipReason.QuietHours, deferral.Reason);
        var morning = start.Date.AddHours(13);
        Assert.Equal(new DateTimeOffset(morning, TimeSpan.Zero), deferral.DeferredUntil);
        Assert.Equal(0, newYork.MailCount);

        cluster.Advance(morning - cluster.Clock.GetUtcNow().UtcDateTime - TimeSpan.FromMinutes(2));
        Assert.Equal(0, newYork.MailCount);
        await newYork.AdvanceUntilMailAsync(TimeSpan.FromMinutes(2));
        var sent = (await newYork.ViewAsync()).Messages.Single(m => m.Status == MessageStatus.Sent);
        Assert.True(sent.At >= new DateTimeOffset(morning, TimeSpan.Zero));
    }

    [Fact]
    public async Task AStepDeferredToTheMorningIsArmedForItAndGoesOutWithinSecondsOfQuietHoursEnding()
    {
        // Reported at 06:00:30 UTC, due at 07:00:30, 02:00:30 in New York: deferred to 08:00 there, 13:00 UTC. The
        // reminder's one-minute period runs on the half minute; the step must not wait for it.
        cluster.AdvanceToUtc(new TimeSpan(6, 0, 30));
        var newYork = new CartScenario(cluster);
        await newYork.Cart.UpdateAsync(InZone(newYork, "America/New_York"));
        await newYork.AdvanceUntilLogAsync(TimeSpan.FromHours(1), m => m.Status == MessageStatus.Deferred);
        var morning = (await newYork.ViewAsync()).Messages.Single(m => m.Status == MessageStatus.Deferred).DeferredUntil!.Value;
        Assert.Equal(new TimeSpan(13, 0, 0), morning.UtcDateTime.TimeOfDay);

        // Armed for exactly then (the write follows the logged deferral), the mail comes within seconds of the end of
        // quiet hours, the clock moving a second at a time; the reminder's old period would tick 30 s later.
        await Eventually.TrueAsync(async () => (await cluster.ReminderStartsOfAsync(newYork.Cart)).SequenceEqual([morning.UtcDateTime]), what: "the reminder armed for the morning");
        cluster.Advance(morning - cluster.Clock.GetUtcNow());
        await cluster.AdvanceUntilAsync(TimeSpan.Zero, () => Task.FromResult(newYork.MailCount > 0), "the morning's mail", maxPeriods: 10, period: TimeSpan.FromSeconds(1));
        Assert.InRange((await newYork.ViewAsync()).Messages.Single(m => m.Status == MessageStatus.Sent).ClaimedAt!.Value, morning, morning + TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task TheFrequencyCapDefersTheFourthEmailUntilAPlaceFreesAndThenToTheMorningOfTheZoneItGoesTo()
    {
        // Three carts in Tokyo get their first reminder at 06:00 UTC (15:00 there). The customer's fourth cart is in
        // Los Angeles, where 06:00 UTC is 22:00: it waits for 08:00 there (16:00 UTC), then for the cap, which frees a
        // place seven days after the Tokyo sends, at 06:00 UTC, which is night in Los Angeles again: so 16:00 UTC.
        cluster.AdvanceToUtc(TimeSpan.FromHours(5));
        var email = $"shopper-{Guid.NewGuid():N}@example.test";
        var carts = Enumerable.Range(0, 4).Select(_ => new CartScenario(cluster)).ToList();
        CartSnapshot Snapshot(CartScenario cart, string zone) =>
            cart.Snapshot() with { Customer = cart.Customer with { Email = email, TimeZone = zone } };
        foreach (var cart in carts.Take(3))
        {
            await cart.Cart.UpdateAsync(Snapshot(cart, "Asia/Tokyo"));
        }

        var fourth = carts[3];
        await fourth.Cart.UpdateAsync(Snapshot(fourth, "America/Los_Angeles"));
        await cluster.AdvanceUntilAsync(TimeSpan.FromHours(1), () => Task.FromResult(cluster.Smtp.To(email).Count() >= 3), "three reminders");
        var firstSends = cluster.Clock.GetUtcNow();

        async Task<MessageRecord> DeferralAsync(int count, TimeSpan by)
        {
            await cluster.AdvanceUntilAsync(by, async () => (await fourth.ViewAsync()).Messages.Count(m => m.Status == MessageStatus.Deferred) >= count, $"deferral {count}");
            return (await fourth.ViewAsync()).Messages.Where(m => m.Status == MessageStatus.Deferred).ElementAt(count - 1);
        }

        var night = await DeferralAsync(1, TimeSpan.Zero);
        Assert.Equal((SkipReason.QuietHours, 16), (night.Reason, night.DeferredUntil!.Value.UtcDateTime.Hour));

        var capped = await DeferralAsync(2, night.DeferredUntil.Value - cluster.Clock.GetUtcNow());
        Assert.Equal(SkipReason.FrequencyCapped, capped.Reason);
        Assert.InRange(capped.DeferredUntil!.Value - firstSends, TimeSpan.FromDays(7) - TimeSpan.FromMinutes(2), TimeSpan.FromDays(7));
        Assert.Equal(3, cluster.Smtp.To(email).Count());

        var nightAgain = await DeferralAsync(3, capped.DeferredUntil.Value - cluster.Clock.GetUtcNow());
        Assert.Equal((SkipReason.QuietHours, 16), (nightAgain.Reason, nightAgain.DeferredUntil!.Value.UtcDateTime.Hour));
        Assert.Equal(3, cluster.Smtp.To(email).Count());

        await cluster.AdvanceUntilAsync(nightAgain.DeferredUntil.Value - cluster.Clock.GetUtcNow(), () => Task.FromResult(cluster.Smtp.To(email).Count() == 4), "the fourth reminder");

        // The relay has it; the grain hears so a moment later, when the hand-off settles.
        await Eventually.TrueAsync(async () => (await fourth.ViewAsync()).Messages[^1].Status == MessageStatus.Sent, what: "the fourth reminder logged sent");
    }
}
