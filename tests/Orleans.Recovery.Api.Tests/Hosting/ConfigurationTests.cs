using Orleans.Recovery.Testing;

namespace Orleans.Recovery.Api.Tests.Hosting;

public sealed class ConfigurationTests(SmtpFixture smtpFixture) : IClassFixture<SmtpFixture>
{
    private readonly SmtpSink _smtp = smtpFixture.Smtp;

    [Theory]
    [InlineData("Recovery:Smtp:Port", "70000")]
    [InlineData("Recovery:Flows:CartAbandonment:Steps:0:Delay", "soon")]
    [InlineData("Recovery:Flows:CartAbandonment:Steps:1:Delay", "00:30:00")]
    [InlineData("Recovery:Sender:ReplyTo", "not an address")]
    [InlineData("Recovery:Silo:SiloPort", "0")]
    [InlineData("Recovery:Storage", "Oracle")]
    [InlineData("Recovery:PublicBaseUrl", "/relative")]
    [InlineData("Recovery:ApiKeys:Storefront", "short")]
    public async Task BadConfigurationStopsStartUpNamingTheKey(string key, string value)
    {
        await using var api = new RecoveryApiFactory(_smtp, settings: new Dictionary<string, string?> { [key] = value });

        var failure = Record.Exception(() => api.Server);

        Assert.NotNull(failure);
        Assert.Contains(key, Flatten(failure));
    }

    [Fact]
    public async Task ProductionWithoutKeysDoesNotStart()
    {
        await using var api = new RecoveryApiFactory(_smtp, settings: new Dictionary<string, string?>
        {
            ["Recovery:ApiKeys:Storefront"] = null,
            ["Recovery:ApiKeys:Operator"] = null,
        })
        { Environment = "Production" };

        var failure = Record.Exception(() => api.Server);

        Assert.NotNull(failure);
        Assert.Contains("Recovery:ApiKeys:Storefront", Flatten(failure));
    }

    [Fact]
    public async Task ABrokenTemplateFileStopsStartUpNamingTheFileAndLine()
    {
        var templates = Directory.CreateTempSubdirectory("recovery-templates-").FullName;
        Directory.CreateDirectory(Path.Combine(templates, "en"));
        await File.WriteAllTextAsync(Path.Combine(templates, "en", "cart-reminder.text.liquid"), "Hi {{ firstName }},\n\n{% if step == 1 %}\nYour cart is waiting.\n{{ cart.total | }\n");
        await using var api = new RecoveryApiFactory(_smtp, settings: new Dictionary<string, string?> { ["Recovery:Templates:Directory"] = templates });

        var failure = Record.Exception(() => api.Server);

        Assert.NotNull(failure);
        var message = Flatten(failure);
        Assert.Contains("Recovery:Templates:Directory", message);
        Assert.Contains(Path.Combine(templates, "en", "cart-reminder.text.liquid") + ", line 5", message);
    }

    [Fact]
    public async Task ATemplateFileOfTheOperatorsReplacesTheBuiltInOne()
    {
        var templates = Directory.CreateTempSubdirectory("recovery-templates-").FullName;
        Directory.CreateDirectory(Path.Combine(templates, "en"));
        await File.WriteAllTextAsync(Path.Combine(templates, "en", "cart-reminder.subject.liquid"), "{{ firstName }}, we kept your cart");
        await using var api = new RecoveryApiFactory(_smtp, settings: new Dictionary<string, string?> { ["Recovery:Templates:Directory"] = templates });

        var preview = await api.Operator().PostAsync("/api/v1/flows/cart-abandonment/steps/1/preview", Bodies.Json(new System.Text.Json.Nodes.JsonObject { ["locale"] = "en-IE" }));

        Assert.Equal("Ana, we kept your cart", (await preview.EnsureSuccessStatusCode().ReadJsonAsync()).GetProperty("subject").GetString());
    }

    private static string Flatten(Exception exception) =>
        exception is AggregateException aggregate
            ? string.Join(" | ", aggregate.Flatten().InnerExceptions.Select(Flatten))
            : exception.Message + (exception.InnerException is { } inner ? " | " + Flatten(inner) : "");
}
