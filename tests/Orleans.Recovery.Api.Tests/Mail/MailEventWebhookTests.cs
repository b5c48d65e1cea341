using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Orleans.Recovery.Api.Tests.Mail;

/// <summary>The engine with the three ESPs' bounce and complaint webhooks on.</summary>
public sealed class MailEventsFixture : IAsyncLifetime
{
    public SmtpSink Smtp { get; private set; } = null!;

    public RecoveryApiFactory Api { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Smtp = await SmtpSink.StartAsync();
        Api = new RecoveryApiFactory(Smtp, settings: new Dictionary<string, string?>
        {
            ["Recovery:Bounces:Postmark:Username"] = Webhooks.PostmarkUsername,
            ["Recovery:Bounces:Postmark:Password"] = Webhooks.PostmarkPassword,
            ["Recovery:Bounces:SendGrid:PublicKey"] = Webhooks.SendGridPublicKey,
            ["Recovery:Bounces:Mailgun:SigningKey"] = Webhooks.MailgunSigningKey,
        });
        _ = Api.Anonymous();
    }

    public async Task DisposeAsync()
    {
        await Api.DisposeAsync();
        await Smtp.DisposeAsync();
    }
}

/// <summary>
/// Postmark's, SendGrid's and Mailgun's webhooks, from their documented payloads (Payloads/NOTES.md), signed as each
/// provider signs them and posted over HTTP; the engine's mail goes to a real SMTP server.
/// </summary>
[Trait("Category", "Api")]
public sealed class MailEventWebhookTests(MailEventsFixture fixture) : IClassFixture<MailEventsFixture>
{
    private readonly RecoveryApiFactory _api = fixture.Api;
    private readonly HttpClient _esp = fixture.Api.Anonymous();
    private readonly HttpClient _operator = fixture.Api.Operator();

    private DateTimeOffset Now => _api.Clock.GetUtcNow();

    private async Task<JsonElement> CustomerAsync(string email) =>
        await (await _operator.PostAsync("/api/v1/customers/lookup", Bodies.Json(new JsonObject { ["email"] = email }))).ReadJsonAsync();

    private async Task<string?> SuppressionAsync(string email) =>
        (await CustomerAsync(email)).GetProperty("suppression") is { ValueKind: JsonValueKind.Object } suppression ? suppression.GetProperty("cause").GetString() : null;

    /// <summary>A fixture with its recipients replaced by this test's addresses and our token taken out, unless one is given.</summary>
    private static JsonNode Payload(string name, IReadOnlyDictionary<string, string> recipients, string? token = null)
    {
        var text = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Payloads", name + ".json"));
        foreach (var (fixtureAddress, address) in recipients)
        {
            text = text.Replace(fixtureAddress, address, StringComparison.Ordinal);
        }

        return JsonNode.Parse(text.Replace("\"TOKEN-PLACEHOLDER\"", token is null ? "null" : $"\"{token}\"", StringComparison.Ordinal))!;
    }

    private async Task<(string Email, string CartId, MimeKit.MimeMessage Reminder)> RemindedShopperAsync()
    {
        var email = Bodies.NewEmail();
        var cartId = Bodies.NewId("cart");
        await _api.Storefront().PutCartAsync(cartId, Bodies.Cart(cartId, email));
        await _api.AdvanceUntilAsync(TimeSpan.FromHours(1), () => Task.FromResult(fixture.Smtp.To(email).Any()), "the first reminder");
        return (email, cartId, fixture.Smtp.To(email).Single());
    }

    /// <summary>A Postmark record about <paramref name="reminder"/>: its metadata as Postmark keeps it, from the headers the message carried.</summary>
    private static JsonNode Postmark(string name, IReadOnlyDictionary<string, string> recipients, MimeKit.MimeMessage reminder)
    {
        var record = Payload(name, recipients).AsObject();
        var metadata = new JsonObject();
        foreach (var header in reminder.Headers.Where(header => header.Field.StartsWith("X-PM-Metadata-", StringComparison.OrdinalIgnoreCase)))
        {
            metadata[header.Field["X-PM-Metadata-".Length..]] = header.Value;
        }

        record["Metadata"] = metadata;
        return record;
    }

    [Fact]
    public async Task APostmarkHardBounceCarryingTheMessagesTokenLogsItOnTheMessageAndSuppressesTheAddress()
    {
        var (email, cartId, reminder) = await RemindedShopperAsync();

        // Each configured ESP is given the message's token in the header it turns into event data; Postmark keeps
        // values of 80 characters at most, so it gets the token in parts.
        var token = System.Text.Json.JsonDocument.Parse(reminder.Headers["X-Mailgun-Variables"]!).RootElement.GetProperty("recovery").GetString()!;
        Assert.Matches(@"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$", token);
        Assert.Equal("{\"unique_args\":{\"recovery\":\"" + token + "\"}}", reminder.Headers["X-SMTPAPI"]);
        var parts = new[] { "recovery", "recovery-2", "recovery-3" }.Select(key => reminder.Headers[$"X-PM-Metadata-{key}"]).TakeWhile(part => part is not null).ToList();
        Assert.True(parts.Count >= 2, $"a token of {token.Length} characters is cut in parts");
        Assert.All(parts, part => Assert.InRange(part!.Length, 1, 80));
        Assert.Equal(token, string.Concat(parts));

        // On the wire as written, one line each: an ESP reads the value as it stands, and would not decode RFC 2047 words.
        var raw = System.Text.Encoding.ASCII.GetString(fixture.Smtp.RawOf(reminder));
        Assert.Contains($"\r\nX-PM-Metadata-recovery: {parts[0]}\r\n", raw);
        Assert.Contains("\r\nX-SMTPAPI: {\"unique_args\":{\"recovery\":\"" + token + "\"}}\r\n", raw);
        Assert.Contains($$"""{{"\r\n"}}X-Mailgun-Variables: {"recovery":"{{token}}"}{{"\r\n"}}""", raw);

        var answer = await _esp.PostmarkAsync(Postmark("postmark-bounce-hard", new Dictionary<string, string> { ["ana@example.com"] = email }, reminder));
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal(1, (await answer.ReadJsonAsync()).GetProperty("recorded").GetInt32());

        Assert.Equal("hard-bounce", await SuppressionAsync(email));
        var log = (await _operator.CartViewAsync(cartId))!.Value.GetProperty("messages").EnumerateArray().ToList();
        Assert.Contains(log, m => m.GetProperty("status").GetString() == "bounced" && m.GetProperty("reason").GetString() == "hard-bounce" && m.GetProperty("step").GetInt32() == 1);

        // Postmark retries what it thinks failed: the same record again changes nothing more.
        await _esp.PostmarkAsync(Postmark("postmark-bounce-hard", new Dictionary<string, string> { ["ana@example.com"] = email }, reminder));
        Assert.Single((await _operator.CartViewAsync(cartId))!.Value.GetProperty("messages").EnumerateArray(), m => m.GetProperty("status").GetString() == "bounced");
    }

    [Fact]
    public async Task ABounceIsTheCustomersTheMessageWentToNotTheCartsNewOwners()
    {
        // A mistyped address got the first reminder; the storefront then corrected the cart's address.
        var (mistyped, cartId, reminder) = await RemindedShopperAsync();
        var corrected = Bodies.NewEmail();
        await _api.Storefront().PutCartAsync(cartId, Bodies.Cart(cartId, corrected));

        (await _esp.PostmarkAsync(Postmark("postmark-bounce-hard", new Dictionary<string, string> { ["ana@example.com"] = mistyped }, reminder))).EnsureSuccessStatusCode();

        Assert.Equal("hard-bounce", await SuppressionAsync(mistyped));
        Assert.Null(await SuppressionAsync(corrected));
        Assert.Contains((await _operator.CartViewAsync(cartId))!.Value.GetProperty("messages").EnumerateArray(), m => m.GetProperty("status").GetString() == "bounced");
    }

    [Fact]
    public async Task AComplaintFromAnErasedShopperAboutACartNowSomeoneElsesRecordsNothing()
    {
        var (erased, cartId, reminder) = await RemindedShopperAsync();
        var owner = Bodies.NewEmail();
        await _api.Storefront().PutCartAsync(cartId, Bodies.Cart(cartId, owner));
        Assert.Equal(HttpStatusCode.OK, (await _operator.PostAsync("/api/v1/customers/erase", Bodies.Json(new JsonObject { ["email"] = erased }))).StatusCode);

        (await _esp.PostmarkAsync(Postmark("postmark-spam-complaint", new Dictionary<string, string> { ["ben@example.com"] = erased }, reminder))).EnsureSuccessStatusCode();

        Assert.Equal("erased", await SuppressionAsync(erased));
        Assert.Null(await SuppressionAsync(owner));
        Assert.DoesNotContain((await _operator.CartViewAsync(cartId))!.Value.GetProperty("messages").EnumerateArray(), m => m.GetProperty("status").GetString() == "complained");
    }

    [Fact]
    public async Task APostmarkSpamComplaintStopsMarketingOnly()
    {
        var email = Bodies.NewEmail();
        Assert.Equal(HttpStatusCode.OK, (await _esp.PostmarkAsync(Payload("postmark-spam-complaint", new Dictionary<string, string> { ["ben@example.com"] = email }))).StatusCode);

        var suppression = (await CustomerAsync(email)).GetProperty("suppression");
        Assert.Equal(("complaint", true), (suppression.GetProperty("cause").GetString(), suppression.GetProperty("marketingOnly").GetBoolean()));
    }

    [Fact]
    public async Task ASendGridBatchIsReadEventByEvent()
    {
        var (hard, complained, soft) = (Bodies.NewEmail(), Bodies.NewEmail(), Bodies.NewEmail());
        var batch = Payload("sendgrid-events", new Dictionary<string, string> { ["ana@example.com"] = hard, ["ben@example.com"] = complained, ["carla@example.com"] = soft });

        var answer = await _esp.SendGridAsync(batch, Now);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var counts = await answer.ReadJsonAsync();
        Assert.Equal((5, 1), (counts.GetProperty("recorded").GetInt32(), counts.GetProperty("ignored").GetInt32()));

        Assert.Equal("hard-bounce", await SuppressionAsync(hard));
        Assert.Equal("complaint", await SuppressionAsync(complained));

        // A deferral, then a block, of one message: one soft bounce, two short of the limit of three.
        var carla = await CustomerAsync(soft);
        Assert.Equal((1, JsonValueKind.Null), (carla.GetProperty("softBounces").GetInt32(), carla.GetProperty("suppression").ValueKind));
    }

    [Fact]
    public async Task ASendGridBatchOfAlmost768KbIsTakenWhole()
    {
        // SendGrid posts up to 768 KB at once; refused, it would retry the batch in vain for a day.
        var email = Bodies.NewEmail();
        var template = Payload("sendgrid-events", new Dictionary<string, string> { ["ana@example.com"] = email }).AsArray();
        var batch = new JsonArray();
        for (var i = 0; batch.ToJsonString().Length < 700_000; i++)
        {
            var delivered = template[1]!.DeepClone().AsObject();
            delivered["sg_event_id"] = $"delivered-{i}";
            batch.Add(delivered);
        }

        batch.Add(template[0]!.DeepClone());
        var answer = await _esp.SendGridAsync(batch, Now);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal(1, (await answer.ReadJsonAsync()).GetProperty("recorded").GetInt32());
        Assert.Equal("hard-bounce", await SuppressionAsync(email));
    }

    [Fact]
    public async Task MailgunEventsAreAppliedOnceAndASignatureCannotBeReplayedWithAnotherBody()
    {
        var (hard, soft, complained) = (Bodies.NewEmail(), Bodies.NewEmail(), Bodies.NewEmail());
        var permanent = Webhooks.SignMailgun(Payload("mailgun-failed-permanent", new Dictionary<string, string> { ["ana@example.com"] = hard }).AsObject(), Now);
        Assert.Equal(1, (await (await _esp.MailgunAsync(permanent)).ReadJsonAsync()).GetProperty("recorded").GetInt32());
        Assert.Equal(HttpStatusCode.OK, (await _esp.MailgunAsync(Webhooks.SignMailgun(Payload("mailgun-failed-temporary", new Dictionary<string, string> { ["carla@example.com"] = soft }).AsObject(), Now))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _esp.MailgunAsync(Webhooks.SignMailgun(Payload("mailgun-complained", new Dictionary<string, string> { ["ben@example.com"] = complained }).AsObject(), Now))).StatusCode);

        Assert.Equal("hard-bounce", await SuppressionAsync(hard));
        Assert.Equal("complaint", await SuppressionAsync(complained));
        Assert.Equal(1, (await CustomerAsync(soft)).GetProperty("softBounces").GetInt32());

        // Mailgun signs the timestamp and token, not the body: the captured signature under a forged complaint is refused.
        var victim = Bodies.NewEmail();
        var forged = Payload("mailgun-complained", new Dictionary<string, string> { ["ben@example.com"] = victim }).AsObject();
        forged["signature"] = permanent["signature"]!.DeepClone();
        var replay = await (await _esp.MailgunAsync(forged)).ReadJsonAsync();
        Assert.Equal(0, replay.GetProperty("recorded").GetInt32());
        Assert.Null(await SuppressionAsync(victim));
    }

    [Fact]
    public async Task EveryRetryOfOneDeferredMessageIsOneSoftBounce()
    {
        var email = Bodies.NewEmail();
        for (var attempt = 0; attempt < 3; attempt++)
        {
            // Mailgun reports each retry as a temporary failure of its own, about the same message.
            var retry = Payload("mailgun-failed-temporary", new Dictionary<string, string> { ["carla@example.com"] = email }).AsObject();
            retry["event-data"]!["id"] = $"retry-{attempt}-{Guid.NewGuid():N}";
            (await _esp.MailgunAsync(Webhooks.SignMailgun(retry, Now))).EnsureSuccessStatusCode();
        }

        var customer = await CustomerAsync(email);
        Assert.Equal((1, JsonValueKind.Null), (customer.GetProperty("softBounces").GetInt32(), customer.GetProperty("suppression").ValueKind));
    }

    [Fact]
    public async Task AStringNoDotNetStringCanHoldIsRefusedNotAnError()
    {
        // Half of a surrogate pair, escaped: valid to the JSON parser, unreadable as text.
        var body = """{"signature":{"timestamp":"\udc00","token":"a","signature":"00"},"event-data":{"event":"complained","recipient":"\udc00"}}""";
        var answer = await _esp.PostAsync("/api/v1/mail-events/mailgun", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Unauthorized, answer.StatusCode);
        Assert.Equal("application/problem+json", answer.Content.Headers.ContentType?.MediaType);

        // Past the credentials too: the record is read, and the field that cannot be read is as good as missing.
        var postmark = new HttpRequestMessage(HttpMethod.Post, "/api/v1/mail-events/postmark")
        {
            Content = new StringContent("""{"RecordType":"Bounce","Type":"HardBounce","ID":"\ud800","Email":"\udc00"}""", System.Text.Encoding.UTF8, "application/json"),
        };
        postmark.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{Webhooks.PostmarkUsername}:{Webhooks.PostmarkPassword}")));
        var read = await _esp.SendAsync(postmark);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        var counts = await read.ReadJsonAsync();
        Assert.Equal((0, 1), (counts.GetProperty("recorded").GetInt32(), counts.GetProperty("ignored").GetInt32()));
    }

    [Fact]
    public async Task AMailgunSignatureOlderThan12HoursIsRefused()
    {
        var email = Bodies.NewEmail();
        var stale = Webhooks.SignMailgun(Payload("mailgun-complained", new Dictionary<string, string> { ["ben@example.com"] = email }).AsObject(), Now.AddHours(-13));
        var answer = await _esp.MailgunAsync(stale);
        Assert.Equal(HttpStatusCode.Unauthorized, answer.StatusCode);
        Assert.Contains("older than 12 hours", (await answer.ReadJsonAsync()).GetProperty("detail").GetString());
        Assert.Null(await SuppressionAsync(email));
    }

    public static TheoryData<string, string> Forgeries => new()
    {
        { "postmark", "wrong credentials" },
        { "postmark-none", "no Basic credentials" },
        { "sendgrid", "a signature that does not verify" },
        { "sendgrid-none", "no X-Twilio-Email-Event-Webhook-Signature and Timestamp" },
        { "mailgun", "a signature that does not verify" },
        { "mailgun-none", "no signature object" },
    };

    [Theory]
    [MemberData(nameof(Forgeries))]
    public async Task AWrongOrMissingSignatureGets401AndChangesNothing(string forgery, string reason)
    {
        var email = Bodies.NewEmail();
        var recipients = new Dictionary<string, string> { ["ana@example.com"] = email, ["ben@example.com"] = email };
        using var otherKey = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var answer = forgery switch
        {
            "postmark" => await _esp.PostmarkAsync(Payload("postmark-bounce-hard", recipients), password: "not-the-password-0123456789"),
            "postmark-none" => await _esp.PostAsync("/api/v1/mail-events/postmark", Bodies.Json(Payload("postmark-bounce-hard", recipients))),
            "sendgrid" => await _esp.SendGridAsync(Payload("sendgrid-events", recipients), Now, otherKey),
            "sendgrid-none" => await _esp.PostAsync("/api/v1/mail-events/sendgrid", Bodies.Json(Payload("sendgrid-events", recipients))),
            "mailgun" => await _esp.MailgunAsync(Webhooks.SignMailgun(Payload("mailgun-failed-permanent", recipients).AsObject(), Now, key: "not-the-signing-key-0123456789")),
            _ => await _esp.MailgunAsync(Payload("mailgun-failed-permanent", recipients).AsObject().Also(body => body.Remove("signature"))),
        };

        Assert.Equal(HttpStatusCode.Unauthorized, answer.StatusCode);
        Assert.Equal("application/problem+json", answer.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"The delivery is refused: {reason}.", (await answer.ReadJsonAsync()).GetProperty("detail").GetString());
        var customer = await CustomerAsync(email);
        Assert.Equal((JsonValueKind.Null, 0), (customer.GetProperty("suppression").ValueKind, customer.GetProperty("softBounces").GetInt32()));
    }

    [Fact]
    public async Task AComplaintAboutAnErasedCustomerChangesAndRevealsNothing()
    {
        var (erased, _, _) = await RemindedShopperAsync();
        var stranger = Bodies.NewEmail();
        Assert.Equal(HttpStatusCode.OK, (await _operator.PostAsync("/api/v1/customers/erase", Bodies.Json(new JsonObject { ["email"] = erased }))).StatusCode);

        // The answer for the erased customer is the answer for an address the engine never knew.
        var aboutErased = await (await _esp.PostmarkAsync(Payload("postmark-spam-complaint", new Dictionary<string, string> { ["ben@example.com"] = erased }))).Content.ReadAsStringAsync();
        var aboutStranger = await (await _esp.PostmarkAsync(Payload("postmark-spam-complaint", new Dictionary<string, string> { ["ben@example.com"] = stranger }))).Content.ReadAsStringAsync();
        Assert.Equal(aboutStranger, aboutErased);

        var suppression = (await CustomerAsync(erased)).GetProperty("suppression");
        Assert.Equal(("erased", false), (suppression.GetProperty("cause").GetString(), suppression.GetProperty("marketingOnly").GetBoolean()));
    }
}

/// <summary>Without their keys the webhooks are off, and say which key turns each on.</summary>
[Trait("Category", "Api")]
public sealed class MailEventWebhooksOffTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    [Theory]
    [InlineData("postmark", "Recovery:Bounces:Postmark:Username and Password")]
    [InlineData("sendgrid", "Recovery:Bounces:SendGrid:PublicKey")]
    [InlineData("mailgun", "Recovery:Bounces:Mailgun:SigningKey")]
    public async Task AnUnconfiguredWebhookAnswers404NamingItsKey(string provider, string key)
    {
        var answer = await fixture.Api.Anonymous().PostAsync($"/api/v1/mail-events/{provider}", Bodies.Json(new JsonObject()));
        Assert.Equal(HttpStatusCode.NotFound, answer.StatusCode);
        Assert.Contains(key, (await answer.ReadJsonAsync()).GetProperty("detail").GetString());
    }
}

internal static class JsonObjectExtensions
{
    public static JsonObject Also(this JsonObject body, Action<JsonObject> change)
    {
        change(body);
        return body;
    }
}
