using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MimeKit;
using Xunit.Abstractions;

namespace Orleans.Recovery.Api.Tests.Mail;

/// <summary>
/// Every email the engine sends, in English and German, each flow and step, scored by Debian's SpamAssassin with local
/// tests only (no network): each must score under 2.0. The test prints every score and the rules that hit.
/// </summary>
[Trait("Category", "Api")]
public sealed partial class SpamScoreTests(SmtpFixture smtpFixture, ITestOutputHelper output) : IClassFixture<SmtpFixture>
{
    private const double Limit = 2.0;
    private readonly SmtpSink _smtp = smtpFixture.Smtp;

    [Theory]
    [InlineData("en-IE")]
    [InlineData("de-DE")]
    public async Task EveryEmailScoresUnderTwoWithSpamAssassin(string locale)
    {
        await using var api = new RecoveryApiFactory(_smtp, settings: new Dictionary<string, string?>
        {
            ["Recovery:Sender:FromName"] = "Kaffee & Co",
            ["Recovery:Sender:FromAddress"] = "hello@kaffee.test",
            ["Recovery:Sender:ReplyTo"] = "care@kaffee.test",
            ["Recovery:Alerts:Language"] = locale[..2],
            ["Recovery:Alerts:Email"] = Support(locale),
        });
        var mails = await EveryEmailAsync(api, locale);

        var failures = new List<string>();
        foreach (var (kind, mail) in mails)
        {
            var (score, rules) = await ScoreAsync(_smtp.RawOf(mail));
            output.WriteLine($"{locale} {kind,-32} {score,5:0.0}  {mail.Subject}\n      {rules}");
            if (score >= Limit)
            {
                failures.Add($"{kind} ({mail.Subject}): {score:0.0} [{rules}]");
            }
        }

        Assert.Equal(14, mails.Count);
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    private static string Support(string locale) => $"care-{locale}@kaffee.test";

    /// <summary>Subjects that tell the order's notices apart, in each language.</summary>
    private static readonly Dictionary<string, Dictionary<string, string>> Subjects = new()
    {
        ["en-IE"] = new() { ["order confirmation"] = "is confirmed", ["shipment"] = "is on its way", ["delay notice"] = "A delay with", ["delivered"] = "has arrived", ["review request"] = "how was your" },
        ["de-DE"] = new() { ["order confirmation"] = "ist bestätigt", ["shipment"] = "ist unterwegs", ["delay notice"] = "Verzögerung bei", ["delivered"] = "ist angekommen", ["review request"] = "wie gefällt Ihnen" },
    };

    /// <summary>An order id as shops number them: digits, not a random hex string (which spam filters score as a hash).</summary>
    private static string OrderId() => Random.Shared.Next(100_000, 999_999).ToString(CultureInfo.InvariantCulture);

    /// <summary>The three cart reminders, three payment reminders (one per reason, the last with a coupon), the order's notices, the review request and the shop's alert.</summary>
    private async Task<List<(string Kind, MimeMessage Mail)>> EveryEmailAsync(RecoveryApiFactory api, string locale)
    {
        var store = api.Storefront();
        var (cartId, shopper) = (Bodies.NewId("cart"), Bodies.NewEmail());
        Assert.Equal(HttpStatusCode.NoContent, (await store.PutCartAsync(cartId, Bodies.Cart(cartId, shopper, locale))).StatusCode);

        var (orderId, buyer) = (OrderId(), Bodies.NewEmail());
        var order = Bodies.Order(orderId, null, buyer);
        order["customer"]!["locale"] = locale;
        Assert.Equal(HttpStatusCode.Created, (await store.PostAsync("/api/v1/orders", Bodies.Json(order))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await store.PostAsync($"/api/v1/orders/{orderId}/shipments", Bodies.Json(new JsonObject
        {
            ["shipmentId"] = "s1", ["carrier"] = "DHL", ["trackingNumber"] = "00340434161234567890", ["trackingUrl"] = "https://dhl.test/track?n=00340434161234567890",
        }))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await store.PostAsync($"/api/v1/orders/{orderId}/delays", Bodies.Json(Bodies.Delay("d1")))).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await store.PostAsync($"/api/v1/orders/{orderId}/delivered", null)).StatusCode);

        var payers = new List<string>();
        foreach (var reason in new[] { "card_expired", "insufficient_funds", "declined" })
        {
            var (failedId, payer) = (OrderId(), Bodies.NewEmail());
            var failed = Bodies.Order(failedId, null, payer);
            failed["paymentStatus"] = "failed";
            failed["customer"]!["locale"] = locale;
            Assert.Equal(HttpStatusCode.Created, (await store.PostAsync("/api/v1/orders", Bodies.Json(failed))).StatusCode);
            Assert.Equal(HttpStatusCode.NoContent, (await store.PostAsJsonAsync($"/api/v1/orders/{failedId}/payment-failed", new { reason, retryUrl = "https://shop.test/pay" })).StatusCode);
            payers.Add(payer);
        }

        // Step by step, as the flows time them: a step much later than due would be skipped as expired.
        await api.AdvanceUntilAsync(TimeSpan.FromHours(1), () => Task.FromResult(_smtp.To(shopper).Any() && _smtp.To(buyer).Count() >= 4), "the first cart reminder and the order's notices");
        await api.AdvanceUntilAsync(TimeSpan.FromHours(23), () => Task.FromResult(_smtp.To(shopper).Count() >= 2 && payers.All(payer => _smtp.To(payer).Any())), "the second cart reminder and the first payment reminders");
        await api.AdvanceUntilAsync(TimeSpan.FromHours(48), () => Task.FromResult(_smtp.To(shopper).Count() >= 3 && payers.All(payer => _smtp.To(payer).Count() >= 2) && _smtp.To(buyer).Count() >= 5), "the last cart reminder, the second payment reminders and the review request");
        await api.AdvanceUntilAsync(TimeSpan.FromDays(4), () => Task.FromResult(payers.All(payer => _smtp.To(payer).Count() >= 3)), "the last payment reminders");
        MimeMessage ToBuyer(string kind) => _smtp.To(buyer).Single(m => m.Subject?.Contains(Subjects[locale][kind], StringComparison.Ordinal) == true);
        var review = ToBuyer("review request");
        var rate = Link().Matches(review.TextBody!).Select(m => new Uri(m.Value)).First(link => link.AbsolutePath.StartsWith("/f/", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.OK, (await api.Anonymous().PostAsync(rate.AbsolutePath, new FormUrlEncodedContent([KeyValuePair.Create("rating", "1")]))).StatusCode);
        var alert = (await _smtp.WaitForAsync(Support(locale))).Single();

        var reminders = _smtp.To(shopper).ToList();
        return
        [
            ("cart reminder 1", reminders[0]),
            ("cart reminder 2", reminders[1]),
            ("cart reminder 3 (coupon)", reminders[2]),
            ("payment reminder 1 (card expired)", _smtp.To(payers[0]).First()),
            ("payment reminder 2 (no funds)", _smtp.To(payers[1]).ElementAt(1)),
            ("payment reminder 3 (coupon)", _smtp.To(payers[2]).ElementAt(2)),
            ("order confirmation", ToBuyer("order confirmation")),
            ("shipment", ToBuyer("shipment")),
            ("delay notice", ToBuyer("delay notice")),
            ("delivered", ToBuyer("delivered")),
            ("review request", review),
            ("feedback alert", alert),
            ("payment reminder 1 (declined)", _smtp.To(payers[2]).First()),
            ("payment reminder 1 (no funds)", _smtp.To(payers[1]).First()),
        ];
    }

    /// <summary>SpamAssassin's score and the rules that hit, local tests only: no DNS, no network lists.</summary>
    private static async Task<(double Score, string Rules)> ScoreAsync(byte[] raw)
    {
        var start = new ProcessStartInfo("spamassassin") { ArgumentList = { "-L", "-t" }, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        using var spamassassin = Process.Start(start) ?? throw new InvalidOperationException("spamassassin did not start: ./test.sh installs Debian's package");
        await spamassassin.StandardInput.BaseStream.WriteAsync(raw);
        spamassassin.StandardInput.Close();
        var report = await spamassassin.StandardOutput.ReadToEndAsync();
        await spamassassin.WaitForExitAsync();
        var status = Status().Match(report);
        Assert.True(status.Success, $"no X-Spam-Status in SpamAssassin's report: {report[..Math.Min(report.Length, 500)]}");
        var rules = status.Groups["tests"].Value.Replace("\n", "", StringComparison.Ordinal).Replace("\t", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal);
        return (double.Parse(status.Groups["score"].Value, CultureInfo.InvariantCulture), rules);
    }

    [GeneratedRegex(@"X-Spam-Status: \w+, score=(?<score>-?[0-9.]+) required=[0-9.]+ tests=(?<tests>(?:[A-Z0-9_,]|\s)*)")]
    private static partial Regex Status();

    [GeneratedRegex(@"https://recovery\.shop\.test/[a-z]/[A-Za-z0-9_\-.]+(\?rating=\d)?")]
    private static partial Regex Link();
}
