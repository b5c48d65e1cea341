using Orleans.Recovery.Testing;

namespace Orleans.Recovery.Api.Tests.Hosting;

[Trait("Category", "Api")]
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
    [InlineData("Recovery:ForwardedHeaders:KnownProxies:0", "proxy.internal")]
    [InlineData("Recovery:Flows:CartAbandonment:Steps:2:Delay", "10675199.00:00:00")]
    [InlineData("Recovery:Flows:CartAbandonment:Expiry", "400.00:00:00")]
    [InlineData("Recovery:Flows:CartAbandonment:Holdout", "0.6")]
    [InlineData("Recovery:Flows:IncompletePayment:Holdout", "half")]
    [InlineData("Recovery:Flows:PostPurchase:ReviewRequestDelay", "366.00:00:00")]
    [InlineData("Recovery:Links:Lifetime", "3650.00:00:00")]
    [InlineData("Recovery:ForwardedHeaders:KnownNetworks:0", "10.0.0.0/33")]
    [InlineData("Recovery:Consent:Mode", "Sometimes")]
    [InlineData("Recovery:Connectors:Shopify:Secret", "short")]
    [InlineData("Recovery:Connectors:Stripe:RetryUrl", "https://shop.example/pay")]
    [InlineData("Recovery:Connectors:Stripe:OrderIdMetadata", "")]
    [InlineData("Recovery:Capture:PublishableKey", "short")]
    [InlineData("Recovery:Links:PreviousSigningKeys:0", "c2hvcnQ=")]
    [InlineData("Recovery:Links:FallbackUrl", "/home")]
    [InlineData("Recovery:Bounces:ReturnPath", "bounces@shop.example")]
    [InlineData("Recovery:Bounces:ReturnPath", "bounces@{token}.shop.example")]
    [InlineData("Recovery:Bounces:SoftLimit", "0")]
    [InlineData("Recovery:Bounces:SendGrid:PublicKey", "not a key")]
    [InlineData("Recovery:Bounces:Mailgun:SigningKey", "short")]
    [InlineData("Recovery:Bounces:Imap:Security", "Sometimes")]
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
    public async Task OutsideDevelopmentTheDevelopmentKeysAreRefused()
    {
        await using var api = new RecoveryApiFactory(_smtp, settings: new Dictionary<string, string?>
        {
            ["Recovery:ApiKeys:Storefront"] = "dev-storefront-key-change-me",
            ["Recovery:ApiKeys:Operator"] = "dev-operator-key-change-me",
        })
        { Environment = "Production" };

        var failure = Flatten(Record.Exception(() => api.Server)!);

        Assert.Contains("Recovery:ApiKeys:Storefront is a development or placeholder value", failure);
        Assert.Contains("Recovery:ApiKeys:Operator is a development or placeholder value", failure);
    }

    [Fact]
    public async Task ThePlaceholderSecretsShippedInDeployAreRefusedOutsideDevelopment()
    {
        // deploy/k8s/secret.yaml, as an operator who forgot to fill it in would apply it.
        var shipped = File.ReadAllLines(Path.Combine(Repository.Root, "deploy", "k8s", "secret.yaml"))
            .Select(line => line.Trim().Split(": ", 2))
            .Where(pair => pair.Length == 2 && pair[0].StartsWith("Recovery__", StringComparison.Ordinal))
            .ToDictionary(pair => pair[0].Replace("__", ":"), pair => (string?)pair[1]);
        Assert.Contains("Recovery:ApiKeys:Storefront", shipped.Keys);
        await using var api = new RecoveryApiFactory(_smtp, settings: shipped) { Environment = "Production" };

        var failure = Flatten(Record.Exception(() => api.Server)!);

        foreach (var key in new[] { "Recovery:ApiKeys:Storefront", "Recovery:ApiKeys:Operator", "Recovery:Links:SigningKey", "Recovery:Privacy:CustomerKeySecret", "Recovery:Smtp:Password" })
        {
            Assert.Contains($"{key} is a development or placeholder value", failure);
        }
    }

    [Fact]
    public async Task OutsideDevelopmentPlaceholderConnectorSecretsAndACaptureKeyThatIsAnApiKeyAreRefused()
    {
        await using var api = new RecoveryApiFactory(_smtp, settings: new Dictionary<string, string?>
        {
            ["Recovery:Connectors:Shopify:Secret"] = "replace-with-the-shopify-secret",
            ["Recovery:Connectors:WooCommerce:Secret"] = "woo-secret-change-me-please",
            ["Recovery:Connectors:Stripe:Secret"] = "whsec_placeholder_0123456789",
            ["Recovery:Capture:PublishableKey"] = RecoveryApiFactory.StorefrontKey,
            ["Recovery:Capture:AllowedOrigins:0"] = "https://shop.example",
        })
        { Environment = "Production" };

        var failure = Flatten(Record.Exception(() => api.Server)!);

        foreach (var key in new[] { "Recovery:Connectors:Shopify:Secret", "Recovery:Connectors:WooCommerce:Secret", "Recovery:Connectors:Stripe:Secret" })
        {
            Assert.Contains($"{key} is a development or placeholder value", failure);
        }

        Assert.Contains("Recovery:Capture:PublishableKey must differ from Recovery:ApiKeys:Storefront", failure);
    }

    [Fact]
    public async Task ABounceMailboxWithoutCredentialsOrWithAPlaceholderPasswordStopsStartUp()
    {
        await using var withoutPassword = new RecoveryApiFactory(_smtp, settings: new Dictionary<string, string?>
        {
            ["Recovery:Bounces:Imap:Host"] = "imap.shop.example",
            ["Recovery:Bounces:Imap:Username"] = "bounces",
        });
        Assert.Contains("Recovery:Bounces:Imap:Username and Recovery:Bounces:Imap:Password are required with Recovery:Bounces:Imap:Host", Flatten(Record.Exception(() => withoutPassword.Server)!));

        await using var placeholders = new RecoveryApiFactory(_smtp, settings: new Dictionary<string, string?>
        {
            ["Recovery:Bounces:Imap:Host"] = "imap.shop.example",
            ["Recovery:Bounces:Imap:Username"] = "bounces",
            ["Recovery:Bounces:Imap:Password"] = "replace-with-the-mailbox-password",
            ["Recovery:Bounces:Postmark:Username"] = "postmark",
            ["Recovery:Bounces:Postmark:Password"] = "postmark-password-change-me",
        })
        { Environment = "Production" };
        var failure = Flatten(Record.Exception(() => placeholders.Server)!);
        Assert.Contains("Recovery:Bounces:Imap:Password is a development or placeholder value", failure);
        Assert.Contains("Recovery:Bounces:Postmark:Password is a development or placeholder value", failure);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("https://shop.example/checkout")]
    public async Task ACaptureKeyWithoutTheShopsOriginsStopsStartUpNamingThem(string? origin)
    {
        await using var api = new RecoveryApiFactory(_smtp, settings: new Dictionary<string, string?>
        {
            ["Recovery:Capture:PublishableKey"] = "pk-test-capture-0123456789",
            ["Recovery:Capture:AllowedOrigins:0"] = origin,
        });

        Assert.Contains("Recovery:Capture:AllowedOrigins:0", Flatten(Record.Exception(() => api.Server)!));
    }

    [Fact]
    public void TheComposeFileShipsNoWorkingDefaultForASecret()
    {
        var secrets = File.ReadAllLines(Path.Combine(Repository.Root, "deploy", "docker-compose.yml"))
            .Where(line => line.Contains("ApiKeys__") || line.Contains("SigningKey") || line.Contains("WebhookSecret"))
            .ToList();

        Assert.NotEmpty(secrets);
        Assert.All(secrets, line => Assert.Matches(@":\s*\$\{[A-Z_]+:\?", line));
    }

    [Fact]
    public async Task AnAlertWebhookOverPlainHttpIsRefusedOutsideDevelopment()
    {
        await using var api = new RecoveryApiFactory(_smtp, settings: new Dictionary<string, string?>
        {
            ["Recovery:Alerts:WebhookUrl"] = "http://hooks.shop.test/recovery",
            ["Recovery:Alerts:WebhookSecret"] = "a-webhook-secret-of-some-length",
        })
        { Environment = "Production" };

        var failure = Flatten(Record.Exception(() => api.Server)!);

        Assert.Contains("Recovery:Alerts:WebhookUrl must be an https URL outside Development", failure);
    }

    [Theory]
    [InlineData("")]
    [InlineData("c2hvcnQ=")]
    [InlineData("not base64 at all")]
    public async Task AnEmptyOrShortLinkKeyFileStopsStartUpNamingTheKey(string content)
    {
        var data = Directory.CreateTempSubdirectory("recovery-keyfile-").FullName;
        await File.WriteAllTextAsync(Path.Combine(data, "link-signing.key"), content);
        await using var api = new RecoveryApiFactory(_smtp, dataDirectory: data);

        var failure = Flatten(Record.Exception(() => api.Server)!);

        Assert.Contains("Recovery:Links:SigningKeyFile", failure);
        Assert.Equal(content, await File.ReadAllTextAsync(Path.Combine(data, "link-signing.key")));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task TheGeneratedLinkKeyFileIsReadableByItsOwnerOnlyAndKeptAcrossRestarts()
    {
        var data = Directory.CreateTempSubdirectory("recovery-keyfile-").FullName;
        var path = Path.Combine(data, "link-signing.key");
        await using (var first = new RecoveryApiFactory(_smtp, dataDirectory: data))
        {
            _ = first.Server;
        }

        var key = await File.ReadAllTextAsync(path);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(32, Convert.FromBase64String(key.Trim()).Length);
        Assert.Equal([path], Directory.GetFiles(data, "*link-signing*"));

        await using var second = new RecoveryApiFactory(_smtp, dataDirectory: data);
        _ = second.Server;
        Assert.Equal(key, await File.ReadAllTextAsync(path));
    }

    [Theory]
    [InlineData(null, "Recovery:Privacy:CustomerKeySecret must be set outside Development")]
    [InlineData("REPLACE-WITH-openssl-rand-base64-32", "Recovery:Privacy:CustomerKeySecret is a development or placeholder value")]
    [InlineData("c2hvcnQ=", "Recovery:Privacy:CustomerKeySecret must be base64 of at least 32 random bytes")]
    public async Task WithoutAGoodCustomerKeySecretOutsideDevelopmentStartUpStopsNamingTheKey(string? secret, string expected)
    {
        await using var api = new RecoveryApiFactory(_smtp, settings: new Dictionary<string, string?> { ["Recovery:Privacy:CustomerKeySecret"] = secret });

        var failure = Flatten(Record.Exception(() => api.Server)!);

        Assert.True(failure.Contains(expected, StringComparison.Ordinal), failure);
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
    public async Task ATemplateFileThatLoopsWithoutEndStopsStartUpNamingTheFile()
    {
        var templates = Directory.CreateTempSubdirectory("recovery-templates-").FullName;
        Directory.CreateDirectory(Path.Combine(templates, "de"));
        var file = Path.Combine(templates, "de", "cart-reminder.subject.liquid");
        await File.WriteAllTextAsync(file, "{% for a in (1..100000) %}{% for b in (1..100000) %}x{% endfor %}{% endfor %}");
        await using var api = new RecoveryApiFactory(_smtp, settings: new Dictionary<string, string?> { ["Recovery:Templates:Directory"] = templates });

        var failure = Flatten(Record.Exception(() => api.Server)!);

        Assert.Contains($"{file}: cannot be rendered", failure);
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

    internal static string Flatten(Exception exception) =>
        exception is AggregateException aggregate
            ? string.Join(" | ", aggregate.Flatten().InnerExceptions.Select(Flatten))
            : exception.Message + (exception.InnerException is { } inner ? " | " + Flatten(inner) : "");
}
