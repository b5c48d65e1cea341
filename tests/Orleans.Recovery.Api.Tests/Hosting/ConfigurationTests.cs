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

    private static string Flatten(Exception exception) =>
        exception is AggregateException aggregate
            ? string.Join(" | ", aggregate.Flatten().InnerExceptions.Select(Flatten))
            : exception.Message + (exception.InnerException is { } inner ? " | " + Flatten(inner) : "");
}
