using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Recovery.Mail;

namespace Orleans.Recovery.Api.Tests.Mail;

/// <summary>
/// A template the operator edits while the product runs, into one that would take the silo's memory: the message that
/// renders it fails as a template error with an alert in the log, and the product goes on sending.
/// </summary>
[Trait("Category", "Api")]
public sealed class TemplateLimitTests(SmtpFixture smtpFixture) : IClassFixture<SmtpFixture>, IDisposable
{
    /// <summary>Forty doublings of one character: a terabyte, had the render been allowed to build it.</summary>
    private const string Doubling = "{% assign s = 'x' %}{% for i in (1..40) %}{% assign s = s | append: s %}{% endfor %}{{ s }}";

    private readonly SmtpSink _smtp = smtpFixture.Smtp;
    private readonly string _templates = Directory.CreateTempSubdirectory("recovery-templates-").FullName;

    public void Dispose() => Directory.Delete(_templates, recursive: true);

    private RecoveryApiFactory Api() =>
        new(_smtp, settings: new Dictionary<string, string?> { ["Recovery:Templates:Directory"] = _templates }) { CaptureLogs = true };

    private string Edit(string text)
    {
        var file = Path.Combine(_templates, "en", "cart-reminder.html.liquid");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, text);
        return file;
    }

    /// <summary>What the template store's next scan does, at once: the edit is used from the next render on.</summary>
    private static void Rescan(RecoveryApiFactory api) => api.Services.GetRequiredService<TemplateStore>().Reload();

    [Fact]
    public async Task AnEditPastTheLimitsFailsThatMessageAsATemplateErrorAndTheNextCartIsStillSent()
    {
        await using var api = Api();
        var (anasCart, ana) = (Bodies.NewId("cart"), Bodies.NewEmail());
        _ = api.Server;
        Edit(Doubling);
        Rescan(api);
        await api.Storefront().PutCartAsync(anasCart, Bodies.Cart(anasCart, ana));

        await api.AdvanceUntilAsync(TimeSpan.FromHours(1), async () =>
            (await api.Operator().CartViewAsync(anasCart))!.Value.GetProperty("messages").EnumerateArray().Any(m => m.GetProperty("status").GetString() == "failed"),
            "Ana's first reminder to fail");
        var failed = (await api.Operator().CartViewAsync(anasCart))!.Value.GetProperty("messages")[0];
        Assert.Equal(("failed", "template-error"), (failed.GetProperty("status").GetString(), failed.GetProperty("reason").GetString()));
        var alert = Assert.Single(api.Logs.GetSnapshot(), log => log.Level == LogLevel.Error && log.Message.Contains("template-error"));
        Assert.Contains("Recovery:Templates:MaxOutputBytes", alert.Exception?.Message);

        // The operator puts the built-in template back: the same silo sends Bob's reminder, and Ana got nothing.
        File.Delete(Path.Combine(_templates, "en", "cart-reminder.html.liquid"));
        Rescan(api);
        var (bobsCart, bob) = (Bodies.NewId("cart"), Bodies.NewEmail());
        await api.Storefront().PutCartAsync(bobsCart, Bodies.Cart(bobsCart, bob));
        await api.AdvanceUntilAsync(TimeSpan.FromHours(1), () => Task.FromResult(_smtp.To(bob).Any()), "Bob's reminder");
        Assert.Empty(_smtp.To(ana));
    }

    [Fact]
    public async Task APreviewOfAStepWhoseTemplatePassesALimitIsAProblemNamingTheStep()
    {
        await using var api = Api();
        _ = api.Server;
        Edit("{% for i in (1..100000000) %}{% endfor %}");
        Rescan(api);

        var preview = await api.Operator().PostAsync("/api/v1/flows/cart-abandonment/steps/1/preview", Bodies.Json(new JsonObject { ["locale"] = "en-IE" }));

        Assert.Equal(HttpStatusCode.BadRequest, preview.StatusCode);
        var problem = await preview.ReadJsonAsync();
        Assert.Contains("at most 10,000 numbers", problem.GetProperty("errors").GetProperty("step")[0].GetString());
    }

    [Fact]
    public async Task AnOutputLimitOutsideItsRangeStopsStartUpNamingTheKey()
    {
        await using var api = new RecoveryApiFactory(_smtp, settings: new Dictionary<string, string?> { ["Recovery:Templates:MaxOutputBytes"] = "1000" });

        var failure = Hosting.ConfigurationTests.Flatten(Record.Exception(() => api.Server)!);

        Assert.Contains("Recovery:Templates:MaxOutputBytes", failure);
    }
}
