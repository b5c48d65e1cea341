using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.Recovery.Mail;
using Orleans.Recovery.Testing;

namespace Orleans.Recovery.Grains.Tests.Mail;

[Collection(ClusterCollection.Name)]
[Trait("Category", "Grains")]
public sealed class TransportTests(ClusterFixture cluster)
{
    private static OutgoingMail Mail(string to, string messageId) =>
        new(messageId, new MailParty("Shop", "shop@kaffee.test"), new MailParty(null, to), null, "Hello", "<p>Hello</p>", "Hello", []);

    private static readonly HandOff Now = HandOff.Unchecked(TimeSpan.FromSeconds(5));

    [Fact]
    public async Task AMessageAfterTheRelayDroppedItsIdleSessionsStillGoesOutAtTheFirstAttempt()
    {
        var sender = cluster.Cluster.GetSiloServiceProvider(cluster.Cluster.Silos[0].SiloAddress).GetRequiredService<MailSender>();
        var to = $"reuse-{Guid.NewGuid():N}@example.test";
        Assert.Equal(DeliveryOutcome.Delivered, (await sender.DeliverAsync(Mail(to, $"cart-{Guid.NewGuid():N}/cart-abandonment/1"), Now)).Outcome);

        // A relay restart ends every session the silo keeps open between messages.
        await cluster.Smtp.StopAsync();
        await cluster.Smtp.StartListeningAsync();

        Assert.Equal(DeliveryOutcome.Delivered, (await sender.DeliverAsync(Mail(to, $"cart-{Guid.NewGuid():N}/cart-abandonment/1"), Now)).Outcome);
        Assert.Equal(2, (await cluster.Smtp.WaitForAsync(to, 2)).Count);
    }

    [Fact]
    public async Task AReusedSessionLostAfterTheMessageWentOverIsNotResentOnTheSpotAndKeepsItsMessageId()
    {
        await using var relay = new ScriptedRelay { DropAfterDataOfMessage = 2 };
        using var transport = new SmtpMailTransport(
            Options.Create(new SmtpOptions { Host = "127.0.0.1", Port = relay.Port, Security = SmtpSecurity.None, Timeout = TimeSpan.FromSeconds(5), MaxConnections = 1 }),
            Options.Create(new MailCheckOptions()),
            TimeProvider.System,
            NullLogger<SmtpMailTransport>.Instance);
        var sender = new MailSender(
            transport,
            new DkimSigning(Options.Create(new DkimOptions())),
            Options.Create(new Orleans.Recovery.Mail.Bounces.BounceOptions()),
            new Orleans.Recovery.Links.LinkTokens(Options.Create(new Orleans.Recovery.Links.LinkOptions()), TimeProvider.System),
            TimeProvider.System,
            NullLogger<MailSender>.Instance);

        Assert.Equal(DeliveryOutcome.Delivered, (await sender.DeliverAsync(Mail("a@example.test", "order-1/post-purchase/confirmation"), Now)).Outcome);

        // The relay took the second message's data on the reused session and vanished without a word: it may have it.
        var lost = await sender.DeliverAsync(Mail("b@example.test", "order-2/post-purchase/confirmation"), Now);
        Assert.Equal(DeliveryOutcome.TransientFailure, lost.Outcome);
        Assert.Equal(2, relay.Received.Count);

        // The outbox's next try sends it again, on a new session, under the same Message-ID for the receiver to drop.
        Assert.Equal(DeliveryOutcome.Delivered, (await sender.DeliverAsync(Mail("b@example.test", "order-2/post-purchase/confirmation"), Now)).Outcome);
        var copies = relay.Received.Where(data => data.Contains("b@example.test")).ToList();
        Assert.Equal(2, copies.Count);
        Assert.Single(copies.Select(data => data.Split('\n').Single(line => line.StartsWith("Message-Id:", StringComparison.OrdinalIgnoreCase)).Trim()).Distinct());
        Assert.Equal(2, relay.Sessions);
    }
}
