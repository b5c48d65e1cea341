using System.Text;
using System.Text.Json;
using Orleans.Recovery.Carts;
using Orleans.Recovery.FollowUps;
using Orleans.Recovery.Feedback;
using Orleans.Recovery.Orders;
using Orleans.Recovery.Ledger;

namespace Orleans.Recovery.Grains.Tests.Orders;

[Collection(ClusterCollection.Name)]
[Trait("Category", "Grains")]
public sealed class PostPurchaseFlowTests(ClusterFixture cluster)
{
    [Fact]
    public async Task APaidOrderIsConfirmedAtOnceWithEveryCostToTheCentAndNoMarketingUnsubscribe()
    {
        var shopper = new OrderScenario(cluster);
        await shopper.PlaceAsync();

        var confirmation = (await shopper.WaitForMailAsync(1))[0];
        Assert.Equal($"Your Kaffee & Co order {shopper.OrderId} is confirmed", confirmation.Subject);
        foreach (var amount in new[] { "€37.80", "€7.08", "€44.88", "€4.90", "€8.53", "€58.31" })
        {
            Assert.Contains(amount, confirmation.TextBody);
        }

        Assert.Contains("30 November 2026", confirmation.TextBody);
        Assert.Contains("30-day returns", confirmation.TextBody);
        Assert.Contains("help@kaffee.test", confirmation.TextBody);
        Assert.Null(confirmation.Headers["List-Unsubscribe"]);
    }

    [Fact]
    public async Task AGermanOrderIsConfirmedInGermanWithGermanMoney()
    {
        var shopper = new OrderScenario(cluster, locale: "de-DE");
        await shopper.PlaceAsync();

        var confirmation = (await shopper.WaitForMailAsync(1))[0];
        Assert.Equal($"Ihre Bestellung {shopper.OrderId} bei Kaffee & Co ist bestätigt", confirmation.Subject);
        Assert.Contains("44,88 €", confirmation.TextBody);
        Assert.Contains("58,31 €", confirmation.TextBody);
        Assert.Contains("30. November 2026", confirmation.TextBody);
    }

    [Fact]
    public async Task ShipmentDelayAndDeliveryEachGetANoticeAndTheReviewRequestFollowsThreeDaysAfterDelivery()
    {
        var shopper = new OrderScenario(cluster);
        await shopper.PlaceAsync();
        await shopper.WaitForMailAsync(1);

        await shopper.Order.AddShipmentAsync(new Shipment("s1", "DHL", "JJD0001", "https://track.test/JJD0001", [], new DateOnly(2026, 12, 2)));
        Assert.Equal(OrderEventOutcome.Repeated, await shopper.Order.AddShipmentAsync(new Shipment("s1", "DHL", "JJD0001", "https://track.test/JJD0001", [], null)));
        var shipment = (await shopper.WaitForMailAsync(2))[1];
        Assert.Equal($"Your Kaffee & Co order {shopper.OrderId} is on its way", shipment.Subject);
        Assert.Contains("https://track.test/JJD0001", shipment.TextBody);
        Assert.Contains("2 December 2026", shipment.TextBody);
        Assert.Null(shipment.Headers["List-Unsubscribe"]);

        await shopper.Order.AddDelayAsync(new Delay("d1", "supplier delay", [OrderScenario.Items[1]], new DateOnly(2026, 12, 10), [DelayOption.Wait, DelayOption.Cancel]));
        var delay = (await shopper.WaitForMailAsync(3))[2];
        Assert.Contains("supplier delay", delay.TextBody);
        Assert.Contains("/d/", delay.TextBody);
        Assert.Contains("?choice=wait", delay.TextBody);
        Assert.DoesNotContain("?choice=partial", delay.TextBody);
        Assert.True(await shopper.Order.RecordDelayChoiceAsync("d1", DelayOption.Cancel));
        Assert.False(await shopper.Order.RecordDelayChoiceAsync("d1", DelayOption.Substitute));
        Assert.Equal(DelayOption.Cancel, (await shopper.ViewAsync()).Delays.Single().Choice);

        await shopper.Order.DeliveredAsync(null);
        var delivered = (await shopper.WaitForMailAsync(4))[3];
        Assert.Equal($"Your Kaffee & Co order {shopper.OrderId} has arrived", delivered.Subject);

        cluster.Advance(TimeSpan.FromDays(3) - TimeSpan.FromMinutes(2));
        Assert.Equal(4, shopper.MailCount);
        var review = (await shopper.AdvanceUntilMailAsync(TimeSpan.FromMinutes(2), 5))[4];
        Assert.Equal($"Ana, how was your Kaffee & Co order {shopper.OrderId}?", review.Subject);
        for (var rating = 1; rating <= 5; rating++)
        {
            Assert.Contains($"?rating={rating}", review.TextBody);
        }

        Assert.Contains("/n/", review.TextBody);
        Assert.NotNull(review.Headers["List-Unsubscribe"]);
    }

    [Fact]
    public async Task ALowRatingAlertsSupportByEmailAndTheWebhookWithAValidSignature()
    {
        var shopper = new OrderScenario(cluster);
        await shopper.PlaceAsync();
        await shopper.WaitForMailAsync(1);

        Assert.True(await shopper.Order.RecordRatingAsync(2));

        await Testing.Eventually.TrueAsync(() => Task.FromResult(cluster.Smtp.To("care@kaffee.test").Any(m => m.Subject?.Contains(shopper.OrderId) == true)), what: "the alert email");
        var alert = cluster.Smtp.To("care@kaffee.test").Single(m => m.Subject?.Contains(shopper.OrderId) == true);
        Assert.Equal($"Unhappy customer: order {shopper.OrderId} rated 2 of 5", alert.Subject);
        Assert.Contains(shopper.Email, alert.TextBody);

        await Testing.Eventually.TrueAsync(() => Task.FromResult(cluster.Webhook.Received.Any(w => w.Text.Contains(shopper.OrderId))), what: "the webhook");
        var hook = cluster.Webhook.Received.Single(w => w.Text.Contains(shopper.OrderId));
        var expected = AlertWebhook.Sign(ClusterFixture.WebhookSecret, hook.Headers[AlertWebhook.TimestampHeader], hook.Body);
        Assert.Equal(expected, hook.Headers[AlertWebhook.SignatureHeader]);
        var body = JsonDocument.Parse(hook.Body).RootElement;
        Assert.Equal("feedback.low-rating", body.GetProperty("type").GetString());
        Assert.Equal(2, body.GetProperty("rating").GetInt32());

        // A happy rating raises nothing.
        var happy = new OrderScenario(cluster);
        await happy.PlaceAsync();
        await happy.WaitForMailAsync(1);
        Assert.True(await happy.Order.RecordRatingAsync(5));
        var view = await happy.ViewAsync();
        Assert.Equal(5, view.Rating!.Value);
        Assert.Empty(view.Pending);
        Assert.DoesNotContain(view.Messages, m => m.MessageId.Contains("feedback"));
    }

    [Fact]
    public async Task ADelayHoldingAnOptionNoClientCanNameStillSendsItsNoticeAndStaysReadable()
    {
        // As a delay recorded before the API accepted only the four names could hold it.
        var shopper = new OrderScenario(cluster);
        await shopper.PlaceAsync();
        await shopper.Order.AddDelayAsync(new Delay("d-old", "supplier delay", [OrderScenario.Items[1]], new DateOnly(2026, 12, 10), [DelayOption.Wait, (DelayOption)(-1)]));

        var notice = (await shopper.WaitForMailAsync(2)).Single(m => !m.Subject!.EndsWith("is confirmed"));

        Assert.Contains("?choice=wait", notice.TextBody);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(notice.TextBody!, @"\?choice="));
        Assert.Equal([DelayOption.Wait], (await shopper.Order.GetDelayAsync("d-old"))!.Delay.Options.ToArray());
        Assert.Equal([DelayOption.Wait], (await shopper.ViewAsync()).Delays.Single().Delay.Options.ToArray());
    }

    [Fact]
    public async Task CancellingTheOrderStopsTheReviewRequest()
    {
        var shopper = new OrderScenario(cluster);
        await shopper.PlaceAsync();
        await shopper.Order.DeliveredAsync(null);
        await shopper.WaitForMailAsync(2);

        await shopper.Order.CancelAsync();
        await cluster.AdvanceUntilAsync(TimeSpan.FromDays(4), () => Task.FromResult(true), "four days");

        Assert.Equal(2, shopper.MailCount);
        Assert.Contains((await shopper.ViewAsync()).Messages, m => m.MessageId.EndsWith("/review-request") && m.Reason == SkipReason.OrderCancelled);
    }
}
