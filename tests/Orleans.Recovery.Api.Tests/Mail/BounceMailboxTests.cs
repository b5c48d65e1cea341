using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Orleans.Recovery.Api.Tests.Mail;

/// <summary>
/// The engine with a return path and a bounce mailbox, read from Debian's Dovecot on loopback: the engine's own mail
/// carries the token, the DSN and the abuse report about it are delivered to the mailbox, and the engine reads them,
/// suppresses both addresses and moves the reports to the processed folder.
/// </summary>
public sealed class BounceMailboxFixture : IAsyncLifetime
{
    public SmtpSink Smtp { get; private set; } = null!;

    public DovecotServer Mailbox { get; private set; } = null!;

    public RecoveryApiFactory Api { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Smtp = await SmtpSink.StartAsync();
        Mailbox = await DovecotServer.StartAsync();
        Api = new RecoveryApiFactory(Smtp, settings: new Dictionary<string, string?>
        {
            ["Recovery:Bounces:ReturnPath"] = "bounces+{token}@shop.test",
            ["Recovery:Bounces:Imap:Host"] = "127.0.0.1",
            ["Recovery:Bounces:Imap:Port"] = Mailbox.Port.ToString(),
            ["Recovery:Bounces:Imap:Security"] = "None",
            ["Recovery:Bounces:Imap:Username"] = DovecotServer.Username,
            ["Recovery:Bounces:Imap:Password"] = DovecotServer.Password,
            ["Recovery:Bounces:Imap:PollInterval"] = "00:00:01",
        });
        _ = Api.Anonymous();
    }

    public async Task DisposeAsync()
    {
        await Api.DisposeAsync();
        await Mailbox.DisposeAsync();
        await Smtp.DisposeAsync();
    }
}

[Trait("Category", "Api")]
public sealed class BounceMailboxTests(BounceMailboxFixture fixture) : IClassFixture<BounceMailboxFixture>
{
    private readonly RecoveryApiFactory _api = fixture.Api;
    private readonly HttpClient _operator = fixture.Api.Operator();

    private async Task<JsonElement> CustomerAsync(string email) =>
        await (await _operator.PostAsync("/api/v1/customers/lookup", Bodies.Json(new JsonObject { ["email"] = email }))).ReadJsonAsync();

    [Fact]
    public async Task ABounceAndAComplaintInTheMailboxSuppressTheirAddressesAndTheNextReminderIsSkipped()
    {
        var (bounced, complained, control) = (Bodies.NewEmail(), Bodies.NewEmail(), Bodies.NewEmail());
        var carts = new Dictionary<string, string> { [bounced] = Bodies.NewId("cart"), [complained] = Bodies.NewId("cart"), [control] = Bodies.NewId("cart") };
        var storefront = _api.Storefront();
        foreach (var (email, cartId) in carts)
        {
            Assert.Equal(HttpStatusCode.NoContent, (await storefront.PutCartAsync(cartId, Bodies.Cart(cartId, email))).StatusCode);
        }

        await _api.AdvanceUntilAsync(TimeSpan.FromHours(1), () => Task.FromResult(carts.Keys.All(email => fixture.Smtp.To(email).Any())), "the three first reminders");

        // Each message went out with its own return path, which names it in a sealed token.
        var envelopes = carts.Keys.ToDictionary(email => email, email => fixture.Smtp.EnvelopeFromOf(fixture.Smtp.To(email).Single()));
        Assert.All(envelopes.Values, from => Assert.Matches(@"^bounces\+[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+@shop\.test$", from));
        Assert.Equal(3, envelopes.Values.Distinct().Count());

        // The recipient's server bounces one, the other recipient reports theirs as spam, and someone is on holiday.
        await fixture.Mailbox.DeliverAsync(BounceMail.Load("dsn-postfix-hard", BounceMail.TokenOf(envelopes[bounced]), bounced));
        await fixture.Mailbox.DeliverAsync(BounceMail.Load("arf-complaint", BounceMail.TokenOf(envelopes[complained]), complained));
        await fixture.Mailbox.DeliverAsync(BounceMail.Load("auto-reply", BounceMail.TokenOf(envelopes[control])));

        // Anyone can write to the mailbox: a bounce about the control shopper with a token the engine never issued is forged.
        // Its first character changed: a token that already began with "x" (one in 64) would otherwise stay genuine.
        var genuine = BounceMail.TokenOf(envelopes[control]);
        var forged = (genuine[0] == 'x' ? "y" : "x") + genuine[1..];
        await fixture.Mailbox.DeliverAsync(BounceMail.Load("bounce-nonstandard-hard", forged, control));

        await Eventually.TrueAsync(async () => await fixture.Mailbox.CountAsync("INBOX") == 0 && await fixture.Mailbox.CountAsync("Processed") == 4,
            timeout: TimeSpan.FromSeconds(30), what: "the four messages read and moved to Processed");

        var hard = (await CustomerAsync(bounced)).GetProperty("suppression");
        Assert.Equal(("hard-bounce", false), (hard.GetProperty("cause").GetString(), hard.GetProperty("marketingOnly").GetBoolean()));
        var complaint = (await CustomerAsync(complained)).GetProperty("suppression");
        Assert.Equal(("complaint", true), (complaint.GetProperty("cause").GetString(), complaint.GetProperty("marketingOnly").GetBoolean()));
        Assert.Equal(JsonValueKind.Null, (await CustomerAsync(control)).GetProperty("suppression").ValueKind);

        // The message's own log says what came back.
        var bouncedLog = (await _operator.CartViewAsync(carts[bounced]))!.Value.GetProperty("messages").EnumerateArray().ToList();
        Assert.Contains(bouncedLog, m => m.GetProperty("status").GetString() == "bounced" && m.GetProperty("reason").GetString() == "hard-bounce");
        var complainedLog = (await _operator.CartViewAsync(carts[complained]))!.Value.GetProperty("messages").EnumerateArray().ToList();
        Assert.Contains(complainedLog, m => m.GetProperty("status").GetString() == "complained" && m.GetProperty("reason").GetString() == "complaint");

        // The second reminders come due: the control shopper's arrives (the forged bounce silenced nobody), the other two
        // are skipped as suppressed.
        await _api.AdvanceUntilAsync(TimeSpan.FromHours(24), () => Task.FromResult(fixture.Smtp.To(control).Count() >= 2), "the control shopper's second reminder");
        foreach (var email in new[] { bounced, complained })
        {
            Assert.Single(fixture.Smtp.To(email));
            var second = (await _operator.CartViewAsync(carts[email]))!.Value.GetProperty("messages").EnumerateArray()
                .Last(m => m.GetProperty("step").GetInt32() == 2);
            Assert.Equal(("skipped", "suppressed"), (second.GetProperty("status").GetString(), second.GetProperty("reason").GetString()));
        }

        // The results show the rates per flow, and the last 7 days' rates are far past the warnings' thresholds.
        var stats = await (await _operator.GetAsync("/api/v1/stats")).ReadJsonAsync();
        var flow = stats.GetProperty("flows").EnumerateArray().Single(f => f.GetProperty("flow").GetString() == "cart-abandonment");
        Assert.Equal((1, 1), (flow.GetProperty("hardBounces").GetInt64(), flow.GetProperty("complaints").GetInt64()));
        Assert.Equal((double)1 / flow.GetProperty("sent").GetInt64(), flow.GetProperty("hardBounceRate").GetDouble(), 6);
        var warnings = stats.GetProperty("deliverability").GetProperty("warnings").EnumerateArray().Select(w => w.GetString()!).ToList();
        Assert.Equal(2, warnings.Count);
        Assert.Contains(warnings, w => w.StartsWith("Spam complaints over the last 7 days", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.StartsWith("Hard bounces over the last 7 days", StringComparison.Ordinal));

        var ready = await (await _operator.GetAsync("/health/ready")).ReadJsonAsync();
        var mailbox = ready.GetProperty("checks").GetProperty("bounce-mailbox");
        Assert.Equal("Healthy", mailbox.GetProperty("status").GetString());
        Assert.Contains("4 report(s) processed", mailbox.GetProperty("description").GetString());
    }
}

/// <summary>A bounce mailbox that cannot be reached: readiness says so, with the reason, and mail goes out regardless.</summary>
[Trait("Category", "Api")]
public sealed class UnreachableBounceMailboxTests(SmtpFixture smtpFixture) : IClassFixture<SmtpFixture>
{
    [Fact]
    public async Task ReadinessIsDegradedWithTheReasonAndMailStillGoesOut()
    {
        await using var api = new RecoveryApiFactory(smtpFixture.Smtp, settings: new Dictionary<string, string?>
        {
            ["Recovery:Bounces:ReturnPath"] = "bounces+{token}@shop.test",
            ["Recovery:Bounces:Imap:Host"] = "127.0.0.1",
            ["Recovery:Bounces:Imap:Port"] = FreePort.Next().ToString(),
            ["Recovery:Bounces:Imap:Security"] = "None",
            ["Recovery:Bounces:Imap:Username"] = "bounces",
            ["Recovery:Bounces:Imap:Password"] = "a-password-nobody-checks-0123",
            ["Recovery:Bounces:Imap:PollInterval"] = "00:00:01",
        });
        var email = Bodies.NewEmail();
        var cartId = Bodies.NewId("cart");
        await api.Storefront().PutCartAsync(cartId, Bodies.Cart(cartId, email));

        var mailbox = await Eventually.ValueAsync(
            async () => (await (await api.Operator().GetAsync("/health/ready")).ReadJsonAsync()).GetProperty("checks").GetProperty("bounce-mailbox"),
            check => check.GetProperty("status").GetString() == "Degraded", what: "the bounce mailbox reported unreachable");
        Assert.Contains("could not be read", mailbox.GetProperty("description").GetString());
        Assert.Contains("Mail is sent regardless", mailbox.GetProperty("description").GetString());

        var ready = await api.Anonymous().GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Degraded", (await ready.ReadJsonAsync()).GetProperty("status").GetString());

        await api.AdvanceUntilAsync(TimeSpan.FromHours(1), () => Task.FromResult(smtpFixture.Smtp.To(email).Any()), "the reminder, sent while the mailbox is down");
    }
}
