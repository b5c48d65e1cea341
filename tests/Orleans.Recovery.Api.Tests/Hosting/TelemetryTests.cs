using System.Collections.Concurrent;
using System.Globalization;
using System.Net;

namespace Orleans.Recovery.Api.Tests.Hosting;

/// <summary>
/// What a platform team scrapes and receives: the engine's own instruments at <c>/metrics</c>, where Prometheus may
/// reach it, and traces and metrics sent to an OTLP collector when one is configured.
/// </summary>
[Collection(Name)]
[Trait("Category", "Api")]
public sealed class TelemetryTests(SmtpFixture smtpFixture) : IClassFixture<SmtpFixture>
{
    /// <summary>
    /// Alone: a meter listener hears every meter of its name in the process, so another test's host running beside
    /// these would add its messages to the figures they check.
    /// </summary>
    public const string Name = "telemetry";

    private readonly SmtpSink _smtp = smtpFixture.Smtp;

    [Fact]
    public async Task TheEnginesFiguresAreScrapedFromMetricsInDevelopment()
    {
        await using var api = new RecoveryApiFactory(_smtp, settings: new Dictionary<string, string?>
        {
            ["Recovery:Attribution:Model"] = "Send",
            ["Recovery:Telemetry:PendingInterval"] = "00:00:05",
        }) { Environment = "Development" };
        var (cartId, email) = (Bodies.NewId("cart"), Bodies.NewEmail());
        var store = api.Storefront();
        Assert.Equal(HttpStatusCode.NoContent, (await store.PutCartAsync(cartId, Bodies.Cart(cartId, email))).StatusCode);
        await api.AdvanceUntilAsync(TimeSpan.FromHours(1), () => Task.FromResult(_smtp.To(email).Any()), "step 1");
        Assert.Equal(HttpStatusCode.Created, (await store.PostAsync("/api/v1/orders", Bodies.Json(Bodies.Order("o-" + cartId, cartId, email)))).StatusCode);

        var client = api.Anonymous();
        var cart = """recovery_flow="cart-abandonment",recovery_step="1""";
        var text = await Eventually.ValueAsync(
            () => client.GetStringAsync("/metrics"),
            scraped => Value(scraped, "recovery_orders_recovered", cart) == 1
                && Value(scraped, "recovery_messages_skipped_total", """recovery_flow="cart-abandonment",recovery_step="2",recovery_reason="purchased""") == 1
                && Value(scraped, "recovery_smtp_send_duration_seconds_count", "") >= 2,
            "the recovery in the metrics");

        Assert.Equal(2, Value(text, "recovery_messages_planned_total", """recovery_flow="cart-abandonment"""));
        Assert.Equal(1, Value(text, "recovery_messages_sent_total", cart));
        Assert.Equal(1, Value(text, "recovery_follow_up_lateness_seconds_count", cart));
        Assert.Equal(42.70, Value(text, "recovery_revenue_recovered", """recovery_currency="EUR"""), 6);
        Assert.Equal(0, Value(text, "recovery_smtp_connections_in_use", ""));
        Assert.Contains("orleans_catalog_activations", text);

        // Orleans' own lateness of the reminder tick that sent step 1, in buckets of seconds rather than the default's.
        Assert.True(Value(text, "orleans_reminders_tardiness_seconds_count", "") >= 1, "no reminder tick in orleans_reminders_tardiness_seconds");
        Assert.Contains(text.Split('\n'), line => line.StartsWith("orleans_reminders_tardiness_seconds_bucket{", StringComparison.Ordinal) && line.Contains("le=\"0.25\"", StringComparison.Ordinal));
        Assert.Contains("http_server_request_duration_seconds", text);

        // The runtime's own figures: in a burst of due follow-ups the wait is in the thread pool's queue (BENCHMARKS.md).
        Assert.True(Value(text, "dotnet_thread_pool_work_item_count_total", "") > 0, "no thread-pool work items in dotnet_thread_pool_work_item_count");
        Assert.Contains("dotnet_thread_pool_queue_length", text);
        Assert.Contains("dotnet_gc_pause_time_seconds_total", text);

        // The pending gauge is read from the ledger when scraped: the confirmation's follow-ups wait on shipping.
        var cart2 = Bodies.NewId("cart");
        Assert.Equal(HttpStatusCode.NoContent, (await store.PutCartAsync(cart2, Bodies.Cart(cart2, Bodies.NewEmail()))).StatusCode);
        await Eventually.ValueAsync(
            () => client.GetStringAsync("/metrics"),
            scraped => Value(scraped, "recovery_follow_ups_pending", """recovery_flow="cart-abandonment""") == 1,
            "one pending cart reminder",
            timeout: TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task MetricsAreOffOutsideDevelopmentUnlessTurnedOnOrGivenAPortOfTheirOwn()
    {
        await using (var off = new RecoveryApiFactory(_smtp) { Environment = "Production" })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await off.Anonymous().GetAsync("/metrics")).StatusCode);
        }

        await using (var on = new RecoveryApiFactory(_smtp, settings: new Dictionary<string, string?> { ["Recovery:Telemetry:Prometheus:Enabled"] = "true" }) { Environment = "Production" })
        {
            var answer = await on.Anonymous().GetAsync("/metrics");
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            Assert.Contains("orleans_", await answer.Content.ReadAsStringAsync());
        }

        var port = FreePort.Next();
        await using var separate = new RecoveryApiFactory(_smtp, settings: new Dictionary<string, string?>
        {
            ["Recovery:Telemetry:Prometheus:Enabled"] = "true",
            ["Recovery:Telemetry:Prometheus:Port"] = port.ToString(CultureInfo.InvariantCulture),
        }) { Environment = "Production" };
        Assert.Equal(HttpStatusCode.NotFound, (await separate.Anonymous().GetAsync("/metrics")).StatusCode);
        using var scraper = new HttpClient();
        var scraped = await Eventually.ValueAsync(() => scraper.GetStringAsync($"http://127.0.0.1:{port}/metrics"), text => text.Contains("orleans_"), "metrics on their own port");
        Assert.Contains("# TYPE", scraped);
    }

    [Theory]
    [InlineData("Recovery:Telemetry:Prometheus:Port", "70000")]
    [InlineData("Recovery:Dashboard:Port", "http")]
    [InlineData("Recovery:Dashboard:Enabled", "sometimes")]
    public async Task ABadTelemetrySettingStopsStartUpNamingItsKey(string key, string value)
    {
        await using var api = new RecoveryApiFactory(_smtp, settings: new Dictionary<string, string?> { [key] = value }) { Environment = "Production" };

        var failure = await Assert.ThrowsAnyAsync<Exception>(() => Task.Run(() => api.Server));
        Assert.Contains(key, Flatten(failure));
    }

    [Fact]
    public async Task TracesAndMetricsGoToTheOtlpCollectorWhenOneIsConfigured()
    {
        using var collector = new OtlpCollector();
        await using var api = new RecoveryApiFactory(_smtp, settings: new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.Endpoint,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
        }, realServer: true) { Environment = "Production" };

        var cartId = Bodies.NewId("cart");
        Assert.Equal(HttpStatusCode.NoContent, (await api.Storefront().PutCartAsync(cartId, Bodies.Cart(cartId, Bodies.NewEmail()))).StatusCode);

        await Eventually.TrueAsync(() => Task.FromResult(collector.Received.ContainsKey("/v1/traces") && collector.Received.ContainsKey("/v1/metrics")), what: "traces and metrics at the collector");
        Assert.All(collector.Received.Values, type => Assert.Equal("application/x-protobuf", type));
    }

    /// <summary>The value of the Prometheus samples with this name and all these labels (in any order), summed.</summary>
    private static double Value(string scraped, string name, string labels) =>
        scraped.Split('\n').Where(line => line.StartsWith(name + "{", StringComparison.Ordinal)
                && labels.Split(',', StringSplitOptions.RemoveEmptyEntries).All(label => line.Contains(label, StringComparison.Ordinal)))
            .Sum(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));

    private static string Flatten(Exception exception) => exception switch
    {
        AggregateException aggregate => string.Join("\n", aggregate.InnerExceptions.Select(Flatten)),
        { InnerException: { } inner } => exception.Message + "\n" + Flatten(inner),
        _ => exception.Message,
    };

    /// <summary>An OTLP/HTTP receiver on loopback: it takes every export, answers with an empty success and notes its path.</summary>
    private sealed class OtlpCollector : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly CancellationTokenSource _stop = new();

        public OtlpCollector()
        {
            var port = FreePort.Next();
            Endpoint = $"http://127.0.0.1:{port}";
            _listener.Prefixes.Add(Endpoint + "/");
            _listener.Start();
            _ = Task.Run(ServeAsync);
        }

        public string Endpoint { get; }

        public ConcurrentDictionary<string, string?> Received { get; } = new();

        private async Task ServeAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception) when (_stop.IsCancellationRequested)
                {
                    return;
                }

                await context.Request.InputStream.CopyToAsync(Stream.Null);
                Received[context.Request.Url!.AbsolutePath] = context.Request.ContentType;
                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/x-protobuf";
                context.Response.Close();
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Close();
        }
    }
}

[CollectionDefinition(TelemetryTests.Name, DisableParallelization = true)]
public sealed class TelemetryCollection;
