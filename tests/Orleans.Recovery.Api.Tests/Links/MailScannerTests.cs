using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MimeKit;

namespace Orleans.Recovery.Api.Tests.Links;

/// <summary>
/// Outlook Safe Links, Proofpoint and Mimecast open every link in a message before the shopper does. Their visits
/// must leave no trace: only the shopper's button on the page records a rating or an answer.
/// </summary>
[Trait("Category", "Api")]
public sealed partial class MailScannerTests : IAsyncLifetime
{
    private const string Support = "care@kaffee.test";
    private readonly WebhookSink _webhook = WebhookSink.Start();
    private SmtpSink _smtp = null!;
    private RecoveryApiFactory _api = null!;
    private HttpClient _storefront = null!;
    private HttpClient _operator = null!;
    private HttpClient _scanner = null!;

    public async Task InitializeAsync()
    {
        _smtp = await SmtpSink.StartAsync();

        // Development: the webhook sink speaks plain http on loopback, which only Development accepts.
        _api = new RecoveryApiFactory(_smtp, settings: new Dictionary<string, string?>
        {
            ["Recovery:Alerts:Email"] = Support,
            ["Recovery:Alerts:WebhookUrl"] = _webhook.Url,
            ["Recovery:Alerts:WebhookSecret"] = "scanner-test-webhook-secret-0123",
        })
        { Environment = "Development" };
        _storefront = _api.Storefront();
        _operator = _api.Operator();
        _scanner = _api.Anonymous();
    }

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        await _smtp.DisposeAsync();
        _webhook.Dispose();
    }

    [Fact]
    public async Task AScannerOpeningEveryLinkOfAReviewRequestAndADelayNoticeRecordsNothingAndAlertsNobody()
    {
        var (orderId, email) = await DeliveredOrderAsync();
        var review = await ReviewRequestAsync(email);
        var notice = await DelayNoticeAsync(orderId, email);

        var links = Links().Matches(review.TextBody! + notice.TextBody!).Select(match => new Uri(match.Value).PathAndQuery).Distinct().ToList();
        Assert.Equal(5 + 1 + 1 + 3, links.Count); // five ratings, the newsletter, the unsubscribe link, three delay options
        foreach (var link in links)
        {
            var page = await _scanner.GetAsync(link);
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        }

        var order = await OrderAsync(orderId);
        Assert.Equal(JsonValueKind.Null, order.GetProperty("rating").ValueKind);
        Assert.Equal(JsonValueKind.Null, order.GetProperty("delays")[0].GetProperty("choice").ValueKind);
        Assert.DoesNotContain(order.GetProperty("messages").EnumerateArray(), m => m.GetProperty("messageId").GetString()!.Contains("feedback"));
        var customer = await (await _operator.GetAsync($"/api/v1/customers/{Uri.EscapeDataString(email)}")).EnsureSuccessStatusCode().ReadJsonAsync();
        Assert.Equal(JsonValueKind.Null, customer.GetProperty("newsletterConsentAt").ValueKind);
        Assert.Equal(JsonValueKind.Null, customer.GetProperty("unsubscribedAt").ValueKind);
        Assert.Empty(_smtp.To(Support));
        Assert.Empty(_webhook.Received);
    }

    [Fact]
    public async Task TheRatingPageShowsTheLinksRatingPreselectedAndOnlyItsButtonRecordsIt()
    {
        var (_, email) = await DeliveredOrderAsync();
        var review = await ReviewRequestAsync(email);
        var two = Links().Matches(review.TextBody!).Select(match => new Uri(match.Value)).Single(link => link.Query == "?rating=2");

        var page = await (await _scanner.GetAsync(two.PathAndQuery)).Content.ReadAsStringAsync();

        Assert.Contains("<form method=\"post\">", page);
        Assert.Contains("value=\"2\" required checked", page);
        Assert.Single(Checked().Matches(page));
        Assert.Contains("<button type=\"submit\">Send my rating</button>", page);
    }

    [Fact]
    public async Task OnlyTheFirstLowRatingAlertsTheShopAndAChangedRatingIsRecorded()
    {
        var (orderId, email) = await DeliveredOrderAsync();
        var review = await ReviewRequestAsync(email);
        var feedback = new Uri(Links().Matches(review.TextBody!).Select(match => match.Value).First(link => link.Contains("/f/"))).AbsolutePath;

        Assert.Equal(HttpStatusCode.OK, (await _scanner.PostAsync(feedback, Form("rating", "1"))).StatusCode);
        await _smtp.WaitForAsync(Support);
        await Eventually.TrueAsync(() => _webhook.Received.Count == 1, what: "the webhook");

        Assert.Equal(HttpStatusCode.OK, (await _scanner.PostAsync(feedback, Form("rating", "2"))).StatusCode);
        Assert.Equal(2, (await OrderAsync(orderId)).GetProperty("rating").GetProperty("value").GetInt32());
        Assert.Equal(HttpStatusCode.OK, (await _scanner.PostAsync(feedback, Form("rating", "5"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _scanner.PostAsync(feedback, Form("rating", "1"))).StatusCode);

        // The sink has the webhook before the engine has its answer: the alert settles a moment after it arrived.
        var order = await Eventually.ValueAsync(() => OrderAsync(orderId), view => view.GetProperty("pending").GetArrayLength() == 0, "the alerts to settle");
        Assert.Equal(1, order.GetProperty("rating").GetProperty("value").GetInt32());
        Assert.Single(order.GetProperty("messages").EnumerateArray(), m => m.GetProperty("messageId").GetString()!.EndsWith("/feedback-alert"));
        Assert.Single(_smtp.To(Support));
        Assert.Single(_webhook.Received);
    }

    [Fact]
    public async Task ARatingOrAnswerThePageNeverOffersIsRefusedAndChangesNothing()
    {
        var (orderId, email) = await DeliveredOrderAsync();
        var review = await ReviewRequestAsync(email);
        var notice = await DelayNoticeAsync(orderId, email);
        var feedback = new Uri(Links().Matches(review.TextBody!).Select(match => match.Value).First(link => link.Contains("/f/"))).AbsolutePath;
        var delay = new Uri(Links().Matches(notice.TextBody!).Select(match => match.Value).First(link => link.Contains("/d/"))).AbsolutePath;

        foreach (var rating in new[] { "0", "6", "-1", "+1", " 1", "1.0", "one", "" })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await _scanner.PostAsync(feedback, Form("rating", rating))).StatusCode);
        }

        foreach (var choice in new[] { "substitute", "-1", "+1", " 2", "cancel,partial", "1", "" })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await _scanner.PostAsync(delay, Form("choice", choice))).StatusCode);
        }

        var order = await OrderAsync(orderId);
        Assert.Equal(JsonValueKind.Null, order.GetProperty("rating").ValueKind);
        Assert.Equal(JsonValueKind.Null, order.GetProperty("delays")[0].GetProperty("choice").ValueKind);
    }

    private async Task<(string OrderId, string Email)> DeliveredOrderAsync()
    {
        var orderId = Bodies.NewId("order");
        var email = Bodies.NewEmail();
        (await _storefront.PostAsync("/api/v1/orders", Bodies.Json(Bodies.Order(orderId, null, email)))).EnsureSuccessStatusCode();
        (await _storefront.PostAsync($"/api/v1/orders/{orderId}/delivered", null)).EnsureSuccessStatusCode();
        await _smtp.WaitForAsync(email, 2);
        return (orderId, email);
    }

    private async Task<MimeMessage> ReviewRequestAsync(string email)
    {
        await _api.AdvanceUntilAsync(TimeSpan.FromDays(3), () => Task.FromResult(_smtp.To(email).Any(IsReviewRequest)), "the review request");
        return _smtp.To(email).Single(IsReviewRequest);

        static bool IsReviewRequest(MimeMessage message) => message.TextBody?.Contains("/f/") == true;
    }

    private async Task<MimeMessage> DelayNoticeAsync(string orderId, string email)
    {
        var delay = Bodies.Delay("d1");
        (await _storefront.PostAsync($"/api/v1/orders/{orderId}/delays", Bodies.Json(delay))).EnsureSuccessStatusCode();
        await Eventually.TrueAsync(() => _smtp.To(email).Any(m => m.TextBody?.Contains("/d/") == true), what: "the delay notice");
        return _smtp.To(email).Single(m => m.TextBody?.Contains("/d/") == true);
    }

    private async Task<JsonElement> OrderAsync(string orderId) =>
        await (await _operator.GetAsync($"/api/v1/orders/{orderId}")).EnsureSuccessStatusCode().ReadJsonAsync();

    private static FormUrlEncodedContent Form(string name, string value) => new([KeyValuePair.Create(name, value)]);

    [GeneratedRegex(@"https://recovery\.shop\.test/[rudfn]/[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+(\?(rating|choice)=\w+)?")]
    private static partial Regex Links();

    [GeneratedRegex(@"\schecked>")]
    private static partial Regex Checked();
}
