using Orleans.Recovery.FollowUps;
using Orleans.Recovery.Grains.Tests.Carts;
using Orleans.Recovery.Testing;
using Orleans.TestingHost;

namespace Orleans.Recovery.Grains.Tests.FollowUps;

/// <summary>A cluster whose grains' calls to the reminder service can be made to take as long as a test likes.</summary>
public sealed class SlowReminderCallFixture : ClusterFixture
{
    /// <summary>Runs before a grain's reminder registration leaves it: what the test does here, the call took.</summary>
    public Action<GrainId?> BeforeRegistration { get; set; } = _ => { };

    protected override void Configure(InProcessTestClusterBuilder builder) =>
        builder.ConfigureSilo((_, silo) => silo.AddOutgoingGrainCallFilter(async context =>
        {
            if (context.MethodName == nameof(IReminderService.RegisterOrUpdateReminder))
            {
                BeforeRegistration(context.SourceId);
            }

            await context.Invoke();
        }));
}

[Trait("Category", "Grains")]
public sealed class SlowReminderCallTests(SlowReminderCallFixture cluster) : IClassFixture<SlowReminderCallFixture>
{
    [Fact]
    public async Task AStepArmedByACallThatTookHalfAnHourStillGoesOutOnTime()
    {
        // Orleans adds the due time to the clock as it reads it when the call arrives: half an hour on the way, and the
        // step would go out half an hour late.
        var shopper = new CartScenario(cluster);
        var slowed = 0;
        cluster.BeforeRegistration = source =>
        {
            if (source == shopper.Cart.GetGrainId() && shopper.MailCount >= 1 && Interlocked.Exchange(ref slowed, 1) == 0)
            {
                cluster.Advance(TimeSpan.FromMinutes(30));
            }
        };
        await shopper.PutAsync();
        await cluster.AdvanceUntilAsync(TimeSpan.FromHours(1), () => Task.FromResult(shopper.MailCount >= 1), "step 1");

        // Step 1's settle arms the reminder for step 2; that registration is the slow one.
        await Eventually.TrueAsync(async () => (await shopper.ViewAsync()).Messages.Any(m => m.Status == MessageStatus.Sent), what: "step 1 recorded sent");
        Assert.Equal(1, slowed);
        var next = (await shopper.ViewAsync()).NextAttemptAt!.Value;
        Assert.Equal([next.UtcDateTime], await cluster.ReminderStartsOfAsync(shopper.Cart));

        // At its due time, step 2 goes out, not half an hour on.
        cluster.Advance(next - cluster.Clock.GetUtcNow());
        await cluster.AdvanceUntilAsync(TimeSpan.Zero, () => Task.FromResult(shopper.MailCount >= 2), "step 2 at its due time", maxPeriods: 1);
    }
}
