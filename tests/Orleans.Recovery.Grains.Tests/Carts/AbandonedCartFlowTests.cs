using Orleans.Recovery.Testing;
using Orleans.Recovery.Carts;
using Orleans.Recovery.FollowUps;
using Orleans.Runtime;
using Orleans.Recovery.Ledger;

namespace Orleans.Recovery.Grains.Tests.Carts;

[Collection(ClusterCollection.Name)]
[Trait("Category", "Grains")]
public sealed class AbandonedCartFlowTests(ClusterFixture cluster)
{
    private static bool Sent(MessageRecord message, int step) => message.Step == step && message.Status == MessageStatus.Sent;

    [Fact]
    public async Task AbandonedCartGetsReminderAfterOneHour()
    {
        // A cart abandoned two minutes earlier: its reminder comes due a minute before the shopper's.
        var earlier = new CartScenario(cluster);
        await earlier.PutAsync();
        cluster.Advance(TimeSpan.FromMinutes(2));
        var shopper = new CartScenario(cluster);
        await shopper.PutAsync();
        Assert.Equal(1, await shopper.RemindersAsync());
        var armed = await shopper.ViewAsync();
        Assert.Equal(1, armed.NextStep);
        Assert.Equal(cluster.Clock.GetUtcNow() + TimeSpan.FromHours(1), armed.NextDueAt);

        // At 59 minutes the earlier cart's reminder arrives, and the shopper's, due a minute later, has not.
        await cluster.AdvanceUntilAsync(TimeSpan.FromMinutes(59), () => Task.FromResult(earlier.MailCount == 1), "the earlier cart's reminder", maxPeriods: 0);
        Assert.Equal(0, shopper.MailCount);

        var mail = Assert.Single(await shopper.AdvanceUntilMailAsync(TimeSpan.FromMinutes(1)));
        Assert.Equal("Ana, did something go wrong with your cart at Kaffee & Co?", mail.Subject);
        await shopper.WaitForLogAsync(m => Sent(m, 1));
        Assert.Equal(2, (await shopper.ViewAsync()).NextStep);
    }

    [Fact]
    public async Task OnceAStepIsSentTheReminderWaitsForTheNextStepWithoutASpareWakeUp()
    {
        var shopper = new CartScenario(cluster);
        await shopper.PutAsync();
        await shopper.AdvanceUntilLogAsync(TimeSpan.FromHours(1), m => Sent(m, 1));

        // The settle arms the reminder for step 2, not for the end of the claim, which would wake the cart a minute or
        // two later to find nothing due and cost a reminder write and a state write.
        var next = (await shopper.ViewAsync()).NextDueAt!.Value;
        await Eventually.TrueAsync(async () => (await cluster.ReminderStartsOfAsync(shopper.Cart)).SequenceEqual([next.UtcDateTime]),
            what: $"the reminder armed for step 2 at {next:O}");
    }

    [Fact]
    public async Task LaterStepsFollowAtTheirDelaysAndTheFlowEndsAfterTheThird()
    {
        var shopper = new CartScenario(cluster);
        await shopper.PutAsync();

        await shopper.AdvanceUntilLogAsync(TimeSpan.FromHours(1), m => Sent(m, 1));
        var firstSentAt = (await shopper.ViewAsync()).Messages.Single(m => m.Step == 1).At;
        Assert.Equal(firstSentAt + TimeSpan.FromHours(23), (await shopper.ViewAsync()).NextDueAt);

        // A cart abandoned now gets its first reminder within the next 22 hours; the shopper's second step is not due yet.
        var later = new CartScenario(cluster);
        await later.PutAsync();
        await cluster.AdvanceUntilAsync(TimeSpan.FromHours(22), () => Task.FromResult(later.MailCount == 1), "the later cart's first reminder", maxPeriods: 0);
        Assert.Equal(1, shopper.MailCount);
        var second = (await shopper.AdvanceUntilMailAsync(TimeSpan.FromHours(1), 2))[1];
        Assert.Equal("Ana, your cart at Kaffee & Co is still waiting for you", second.Subject);

        var third = (await shopper.AdvanceUntilMailAsync(TimeSpan.FromHours(48), 3))[2];
        Assert.Equal("Ana, your cart at Kaffee & Co is about to expire", third.Subject);
        await shopper.WaitForLogAsync(m => Sent(m, 3));

        var view = await shopper.ViewAsync();
        Assert.Null(view.NextStep);
        Assert.Equal([1, 2, 3], view.Messages.Select(m => m.Step));
        await shopper.ReminderGoneAsync();
    }

    [Fact]
    public async Task DuplicateTicksDoNotSendTwice()
    {
        var shopper = new CartScenario(cluster);
        await shopper.PutAsync();
        var remindable = shopper.Cart.AsReference<IRemindable>();

        // The real tick and duplicates of it, as a ring change can deliver them, all once the step is due.
        cluster.Advance(TimeSpan.FromHours(1));
        var now = cluster.Clock.GetUtcNow().UtcDateTime;
        var tick = new TickStatus(now, TimeSpan.FromMinutes(1), now);
        await Task.WhenAll(remindable.ReceiveReminder("follow-up", tick), remindable.ReceiveReminder("follow-up", tick));
        await shopper.WaitForLogAsync(m => Sent(m, 1));
        await remindable.ReceiveReminder("follow-up", tick);

        // The second step is the later event: a first step sent again by a duplicate tick would have arrived before it.
        var mails = await shopper.AdvanceUntilMailAsync(TimeSpan.FromHours(23), 2);
        Assert.Equal(2, mails.Count);
        Assert.Equal("Ana, your cart at Kaffee & Co is still waiting for you", mails[1].Subject);
        Assert.Single((await shopper.ViewAsync()).Messages, m => m.Step == 1);
    }

    [Fact]
    public async Task ActivityAfterASentStepContinuesWithTheNextStepTimedFromThatActivity()
    {
        var shopper = new CartScenario(cluster);
        await shopper.PutAsync();
        await shopper.AdvanceUntilLogAsync(TimeSpan.FromHours(1), m => Sent(m, 1));

        cluster.Advance(TimeSpan.FromHours(2));
        await shopper.PutAsync();
        var view = await shopper.ViewAsync();
        Assert.Equal(2, view.NextStep);
        Assert.Equal(cluster.Clock.GetUtcNow() + TimeSpan.FromHours(24), view.NextDueAt);

        await shopper.AdvanceUntilLogAsync(TimeSpan.FromHours(24), m => Sent(m, 2));
        Assert.Equal(2, shopper.MailCount);
        Assert.Single((await shopper.ViewAsync()).Messages, m => m.Step == 1);
    }

    [Fact]
    public async Task AStepMoreThanADayLateIsSkippedAsExpiredAndTheNextKeepsItsPlace()
    {
        var shopper = new CartScenario(cluster);
        await shopper.PutAsync();

        // An outage: nothing ran for 26 hours. Step 1 (due at 1 h) is 25 h late; step 2 (due at 24 h) only 2 h.
        await shopper.AdvanceUntilLogAsync(TimeSpan.FromHours(26), m => Sent(m, 2));

        var view = await shopper.ViewAsync();
        var first = Assert.Single(view.Messages, m => m.Step == 1);
        Assert.Equal(MessageStatus.Skipped, first.Status);
        Assert.Equal(SkipReason.Expired, first.Reason);
        var mail = Assert.Single(await shopper.WaitForMailAsync());
        Assert.Equal("Ana, your cart at Kaffee & Co is still waiting for you", mail.Subject);
    }

    [Fact]
    public async Task ACartReactivatedFromStorageNeverResendsASentStep()
    {
        var shopper = new CartScenario(cluster);
        await shopper.PutAsync();
        await shopper.AdvanceUntilLogAsync(TimeSpan.FromHours(1), m => Sent(m, 1));

        await cluster.Cluster.DeactivateAsync(shopper.Cart);
        var now = cluster.Clock.GetUtcNow().UtcDateTime;
        await shopper.Cart.AsReference<IRemindable>().ReceiveReminder("follow-up", new TickStatus(now, TimeSpan.FromMinutes(1), now));

        Assert.Equal(2, (await shopper.ViewAsync()).NextStep);
        Assert.Single(shopper.Sent);
    }
}

