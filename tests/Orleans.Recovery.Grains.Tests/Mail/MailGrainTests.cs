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
}
