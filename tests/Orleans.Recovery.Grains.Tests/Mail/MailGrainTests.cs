using Orleans.Recovery.Mail;

namespace Orleans.Recovery.Grains.Tests.Mail;

[Collection(ClusterCollection.Name)]
public sealed class MailGrainTests(ClusterFixture cluster)
{
    [Fact]
    public async Task TheSameMessageIdIsDeliveredOnlyOnce()
    {
        var to = $"once-{Guid.NewGuid():N}@example.test";
        var messageId = $"cart-{Guid.NewGuid():N}/cart-abandonment/1";
        var mail = new OutgoingMail(messageId, new MailParty("Shop", "shop@kaffee.test"), new MailParty(null, to), null, "Hello", "<p>Hello</p>", "Hello", []);
        var grain = cluster.Grains.GetGrain<IMailGrain>(messageId);

        var first = await grain.DeliverAsync(mail);
        var again = await grain.DeliverAsync(mail);
        await cluster.Cluster.DeactivateAsync(grain);
        var afterReactivation = await grain.DeliverAsync(mail);

        Assert.Equal(DeliveryOutcome.Delivered, first.Outcome);
        Assert.Equal(DeliveryOutcome.AlreadyDelivered, again.Outcome);
        Assert.Equal(DeliveryOutcome.AlreadyDelivered, afterReactivation.Outcome);
        Assert.Single(await cluster.Smtp.WaitForAsync(to));
    }

    [Fact]
    public async Task AMessageAfterTheRelayDroppedItsIdleSessionsStillGoesOutAtTheFirstAttempt()
    {
        OutgoingMail Mail(string to, string messageId) =>
            new(messageId, new MailParty("Shop", "shop@kaffee.test"), new MailParty(null, to), null, "Hello", "<p>Hello</p>", "Hello", []);
        var to = $"reuse-{Guid.NewGuid():N}@example.test";
        var first = $"cart-{Guid.NewGuid():N}/cart-abandonment/1";
        var second = $"cart-{Guid.NewGuid():N}/cart-abandonment/1";
        Assert.Equal(DeliveryOutcome.Delivered, (await cluster.Grains.GetGrain<IMailGrain>(first).DeliverAsync(Mail(to, first))).Outcome);

        // A relay restart ends every session the silo keeps open between messages.
        await cluster.Smtp.StopAsync();
        await cluster.Smtp.StartListeningAsync();

        Assert.Equal(DeliveryOutcome.Delivered, (await cluster.Grains.GetGrain<IMailGrain>(second).DeliverAsync(Mail(to, second))).Outcome);
        Assert.Equal(2, (await cluster.Smtp.WaitForAsync(to, 2)).Count);
    }
}
