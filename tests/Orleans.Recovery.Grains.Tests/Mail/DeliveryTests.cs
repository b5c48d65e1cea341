using MimeKit;
using Orleans.Recovery.Carts;
using Orleans.Recovery.FollowUps;
using Orleans.Recovery.Grains.Tests.Carts;
using Orleans.Recovery.Testing;
using SmtpServer.Protocol;
using Orleans.Recovery.Ledger;

namespace Orleans.Recovery.Grains.Tests.Mail;

[Collection(ClusterCollection.Name)]
[Trait("Category", "Grains")]
public sealed class DeliveryTests(ClusterFixture cluster)
{
    [Fact]
    public async Task RecoveryEmailShowsTheCartAsItWasInBothPartsWithUnsubscribeHeaders()
    {
        var shopper = new CartScenario(cluster, locale: "en-IE");
        await shopper.PutAsync();
        var mail = Assert.Single(await shopper.AdvanceUntilMailAsync(TimeSpan.FromHours(1)));

        var from = Assert.Single(mail.From.Mailboxes);
        Assert.Equal(("Kaffee & Co", "hello@kaffee.test"), (from.Name, from.Address));
        Assert.Equal("help@kaffee.test", Assert.Single(mail.ReplyTo.Mailboxes).Address);
        Assert.Equal(shopper.Email, Assert.Single(mail.To.Mailboxes).Address);
        Assert.Equal("Ana Example", Assert.Single(mail.To.Mailboxes).Name);
        Assert.Matches("^<https://recovery\\.shop\\.test/u/[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+>$", mail.Headers["List-Unsubscribe"]);
        Assert.Equal("List-Unsubscribe=One-Click", mail.Headers["List-Unsubscribe-Post"]);
        Assert.False(string.IsNullOrEmpty(mail.MessageId));

        var text = mail.TextBody;
        Assert.Contains("Hi Ana,", text);
        Assert.Contains("Did something go wrong?", text);
        Assert.Contains("2 x Espresso beans 1 kg at €18.90 = €37.80", text);
        Assert.Contains("1 x Blue mug at €7.08 = €7.08", text);
        Assert.Contains("Subtotal: €44.88", text);
        Assert.Contains("Shipping: €4.90", text);
        Assert.Contains("Total: €49.78", text);
        Assert.Contains("https://recovery.shop.test/r/", text);
        Assert.Contains("Is payment secure?", text);
        Assert.Contains("+49 30 1234567", text);

        var html = mail.HtmlBody;
        Assert.Contains("<a href=\"https://shop.test/p/beans\">Espresso beans 1 kg</a>", html);
        Assert.Contains("€49.78", html);
        Assert.Matches("href=\"https://recovery\\.shop\\.test/r/[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\"", html);
        Assert.Contains("Is payment secure?", html);
    }

    [Fact]
    public async Task GermanShopperGetsGermanMailWithGermanMoney()
    {
        var shopper = new CartScenario(cluster, locale: "de-DE");
        await shopper.PutAsync();
        var mail = Assert.Single(await shopper.AdvanceUntilMailAsync(TimeSpan.FromHours(1)));

        Assert.Equal("Ana, ist mit Ihrem Warenkorb bei Kaffee & Co etwas schiefgelaufen?", mail.Subject);
        Assert.Contains("Hallo Ana,", mail.TextBody);
        Assert.Contains("2 x Espresso beans 1 kg zu 18,90 € = 37,80 €", mail.TextBody);
        Assert.Contains("Gesamt: 49,78 €", mail.TextBody);
        Assert.Contains("Zurück zum Warenkorb", mail.HtmlBody);
        Assert.Contains("Ist die Bezahlung sicher?", mail.HtmlBody);
    }

    [Fact]
    public async Task PersonalisationIsEscapedInHtmlAndCannotAddHeaders()
    {
        var shopper = new CartScenario(cluster, firstName: "<b>Eve</b>\r\nBcc: spy@evil.test");
        await shopper.PutAsync();
        var mail = Assert.Single(await shopper.AdvanceUntilMailAsync(TimeSpan.FromHours(1)));

        Assert.Contains("&lt;b&gt;Eve&lt;/b&gt;", mail.HtmlBody);
        Assert.DoesNotContain("<b>Eve</b>", mail.HtmlBody);
        Assert.Empty(mail.Bcc);
        Assert.DoesNotContain(mail.Headers, header => header.Field.Equals("Bcc", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain("\n", mail.Subject);
        Assert.Empty(cluster.Smtp.To("spy@evil.test"));
    }

    [Fact]
    public async Task ARelayThatSaysTryLaterDelaysTheFollowUpButNeverDropsOrDoublesIt()
    {
        var shopper = new CartScenario(cluster);
        cluster.Smtp.RecipientRule = to => to == shopper.Email ? new SmtpResponse((SmtpReplyCode)451, "4.3.0 Try again later") : null;
        try
        {
            await shopper.PutAsync();
            await shopper.AdvanceUntilLogAsync(TimeSpan.FromHours(1), m => m.Step == 1 && m.Reason == SkipReason.TransientFailure);

            // Back-off: 1, 2, 4 … minutes between attempts; walk the clock a minute at a time.
            await AdvanceUntilAsync(shopper, m => m.Step == 1 && m.Attempts >= 3 && m.Reason == SkipReason.TransientFailure);
            cluster.Smtp.RecipientRule = _ => null;
            await AdvanceUntilAsync(shopper, m => m.Step == 1 && m.Status == MessageStatus.Sent);
        }
        finally
        {
            cluster.Smtp.RecipientRule = _ => null;
        }

        Assert.Single(await shopper.WaitForMailAsync());
        var view = await shopper.ViewAsync();
        var sent = view.Messages.Single(m => m.Step == 1);
        Assert.Equal(MessageStatus.Sent, sent.Status);
        Assert.True(sent.Attempts >= 4, $"attempts: {sent.Attempts}");

        // Step 2 keeps its spacing from the late step 1: 23 hours after it actually went out, the claim that handed it
        // to the relay (the relay's answer may come back a little later).
        Assert.NotNull(sent.ClaimedAt);
        Assert.Equal(sent.ClaimedAt + TimeSpan.FromHours(23), view.NextDueAt);
    }

    [Fact]
    public async Task ARelayThatIsDownDelaysTheFollowUpUntilItIsBack()
    {
        var shopper = new CartScenario(cluster);
        await shopper.PutAsync();
        await cluster.Smtp.StopAsync();
        try
        {
            await shopper.AdvanceUntilLogAsync(TimeSpan.FromHours(1), m => m.Step == 1 && m.Reason == SkipReason.TransientFailure);
        }
        finally
        {
            await cluster.Smtp.StartListeningAsync();
        }

        await AdvanceUntilAsync(shopper, m => m.Step == 1 && m.Status == MessageStatus.Sent);
        Assert.Single(await shopper.WaitForMailAsync());
    }

    [Fact]
    public async Task AMailboxThatDoesNotExistFailsTheMessageAndSuppressesTheAddress()
    {
        var shopper = new CartScenario(cluster);
        cluster.Smtp.RecipientRule = to => to == shopper.Email ? new SmtpResponse((SmtpReplyCode)550, "5.1.1 No such user") : null;
        try
        {
            await shopper.PutAsync();
            await shopper.AdvanceUntilLogAsync(TimeSpan.FromHours(1), m => m.Step == 1 && m.Status == MessageStatus.Failed);
        }
        finally
        {
            cluster.Smtp.RecipientRule = _ => null;
        }

        var view = await shopper.ViewAsync();
        Assert.Equal(SkipReason.InvalidAddress, view.Messages.Single(m => m.Step == 1).Reason);
        Assert.Null(view.NextStep);
        await shopper.ReminderGoneAsync();

        // Another cart of the same shopper: the address stays suppressed, and the log says why.
        var second = cluster.Grains.GetGrain<ICartGrain>($"cart-{Guid.NewGuid():N}");
        await second.UpdateAsync(shopper.Snapshot() with { RestoreUrl = "https://shop.test/cart/2" });
        await cluster.AdvanceUntilAsync(
            TimeSpan.FromHours(1),
            async () => (await second.GetViewAsync())!.Messages.Any(m => m.Reason == SkipReason.InvalidAddress),
            "the second cart to be skipped");
        Assert.Equal(0, shopper.MailCount);
    }

    /// <summary>Moves the clock to each next attempt until the log shows <paramref name="match"/>.</summary>
    private async Task AdvanceUntilAsync(CartScenario shopper, Func<MessageRecord, bool> match)
    {
        for (var round = 0; round < 20; round++)
        {
            var view = await shopper.ViewAsync();
            if (view.Messages.Any(match))
            {
                return;
            }

            var attempts = view.Messages.Where(m => m.Step == 1).Max(m => m.Attempts);
            var wait = view.NextAttemptAt!.Value - cluster.Clock.GetUtcNow();
            await shopper.AdvanceUntilLogAsync(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, m => m.Step == 1 && (m.Attempts > attempts || match(m)));
        }

        Assert.Fail("The follow-up never reached the expected state.");
    }
}
