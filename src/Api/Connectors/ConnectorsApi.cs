using System.Text.Json;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http.HttpResults;
using Orleans.Recovery.Api.Auth;
using Orleans.Recovery.Api.Links;
using Orleans.Recovery.Hosting.Connectors;
using Orleans.Reminders;

namespace Orleans.Recovery.Api.Connectors;

/// <summary>What a provider is told about its delivery.</summary>
public sealed record ConnectorAnswer(string Outcome, string? Reason);

/// <summary>
/// The inbound connectors: <c>POST /api/v1/connectors/{shopify,woocommerce,stripe}</c>, signed by the provider
/// (no API key), and the operator's <c>GET /api/v1/connectors/deliveries</c>.
/// </summary>
public static partial class ConnectorsApi
{
    public static IServiceCollection AddConnectors(this IServiceCollection services)
    {
        services.AddOptions<ConnectorOptions>().BindConfiguration(ConnectorOptions.Section)
            .PostConfigure<IHostEnvironment>((connectors, environment) => connectors.IsDevelopment = environment.IsDevelopment())
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ConnectorDeliveries>();
        services.AddSingleton<ShopifyConnector>();
        services.AddSingleton<WooCommerceConnector>();
        services.AddSingleton<StripeConnector>();
        services.AddSingleton<RefusalLog>();
        return services;
    }

    public static IEndpointRouteBuilder MapConnectorsApi(this IEndpointRouteBuilder app)
    {
        var connectors = app.MapGroup("/api/v1/connectors").WithTags("Connectors");
        connectors.MapPost("/shopify", (HttpContext http, ShopifyConnector connector) => ReceiveAsync(connector, http))
            .WithSummary("Shopify webhooks: checkouts/create, checkouts/update, orders/create, orders/paid, orders/cancelled, fulfillments/create")
            .WithDescription("Signed with X-Shopify-Hmac-Sha256 (base64 HMAC-SHA256 of the raw body with Recovery:Connectors:Shopify:Secret); deduplicated on X-Shopify-Webhook-Id.");
        connectors.MapPost("/woocommerce", (HttpContext http, WooCommerceConnector connector) => ReceiveAsync(connector, http))
            .WithSummary("WooCommerce webhooks: order.created and order.updated")
            .WithDescription("Signed with X-WC-Webhook-Signature (base64 HMAC-SHA256 of the raw body with Recovery:Connectors:WooCommerce:Secret); deduplicated on X-WC-Webhook-Delivery-ID. The unsigned ping sent when the webhook is saved answers 200.");
        connectors.MapPost("/stripe", (HttpContext http, StripeConnector connector) => ReceiveAsync(connector, http))
            .WithSummary("Stripe webhooks: payment_intent.payment_failed, invoice.payment_failed, payment_intent.succeeded")
            .WithDescription("Signed with Stripe-Signature (HMAC-SHA256 of t.body with Recovery:Connectors:Stripe:Secret, 5 minutes' tolerance); deduplicated on the event id.");
        connectors.MapGet("/deliveries", ListDeliveries).RequireAuthorization(ApiScopes.Operator)
            .WithSummary("Every delivery of the last 7 days, newest first: when, provider, topic, and applied, duplicate, ignored (with the reason), refused or failed");
        return app;
    }

    /// <summary>The last 7 days' deliveries, newest first: <paramref name="limit"/> (100, at most 1,000), of one <paramref name="provider"/> or all.</summary>
    public static async Task<Results<Ok<IReadOnlyList<ConnectorDelivery>>, ValidationProblem>> ListDeliveries(
        ConnectorDeliveries deliveries,
        [FromKeyedServices(ReminderTimeProviderNames.Reminders)] TimeProvider clock,
        CancellationToken cancellationToken,
        string? provider = null,
        int limit = 100)
    {
        if (provider is not null and not ("shopify" or "woocommerce" or "stripe"))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["provider"] = ["The provider field must be one of shopify, woocommerce, stripe."] });
        }

        if (limit is < 1 or > 1000)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = ["The limit field must be a whole number from 1 to 1000."] });
        }

        return TypedResults.Ok(await deliveries.ListAsync(clock.GetUtcNow(), provider, limit, cancellationToken));
    }

    /// <summary>
    /// Verify, claim the delivery id, apply, log. A wrong signature changes nothing; a repeated delivery is applied once;
    /// a payload the engine cannot map is answered 200 with the reason (providers disable endpoints that keep failing);
    /// a delivery the engine could not store releases its claim and answers 503, so the provider's retry is applied.
    /// </summary>
    private static async Task<IResult> ReceiveAsync(IConnector connector, HttpContext http)
    {
        var services = http.RequestServices;
        var clock = services.GetRequiredKeyedService<TimeProvider>(ReminderTimeProviderNames.Reminders);
        var log = services.GetRequiredService<ConnectorDeliveries>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ConnectorsApi));
        if (!connector.Enabled)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status404NotFound,
                title: "This connector is off.",
                detail: $"Set Recovery:Connectors:{Name(connector)}:Secret to the provider's webhook signing secret to turn it on.");
        }

        // Kept for the request: the cluster's retry filter runs this handler again when a silo is going away.
        if (http.Items[typeof(ConnectorsApi)] is not byte[] body)
        {
            using var buffer = new MemoryStream();
            await http.Request.Body.CopyToAsync(buffer, http.RequestAborted);
            body = buffer.ToArray();
            http.Items[typeof(ConnectorsApi)] = body;
        }

        var now = clock.GetUtcNow();
        var delivery = connector.Verify(http.Request, body, now);
        if (delivery.IsPing || delivery.Refusal is not null)
        {
            // Anyone can post here: unsigned requests are logged only up to a rate per client, so they can fill
            // neither the table nor the log.
            if (services.GetRequiredService<RefusalLog>().MayLog(http))
            {
                await log.LogAsync(new ConnectorDelivery(connector.Provider, null, now, delivery.Topic,
                    delivery.IsPing ? DeliveryOutcomes.Ignored : DeliveryOutcomes.Refused, delivery.IsPing ? "the ping sent when the webhook was saved" : delivery.Refusal));
                if (!delivery.IsPing)
                {
                    LogRefused(logger, connector.Provider, delivery.Refusal!);
                }
            }

            if (delivery.IsPing)
            {
                return TypedResults.Ok(new ConnectorAnswer(DeliveryOutcomes.Ignored, "ping"));
            }

            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized", detail: $"The delivery is refused: {delivery.Refusal}.");
        }

        JsonDocument? document = null;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
        }

        using (document)
        {
            if (document is null || document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return await AnswerAsync(log, connector, delivery, now, ConnectorResult.Ignored("the body is not a JSON object"));
            }

            if (delivery.DeliveryId is { } id && !await log.ClaimAsync(connector.Provider, id, now))
            {
                return await AnswerAsync(log, connector, delivery, now, new ConnectorResult(DeliveryOutcomes.Duplicate, "this delivery was received before"));
            }

            ConnectorResult result;
            try
            {
                result = await connector.ApplyAsync(delivery, document.RootElement, http.Request);
            }
            catch (Exception exception)
            {
                // Not stored: the provider's retry must find the delivery unclaimed. Logging may fail too in an outage.
                try
                {
                    if (delivery.DeliveryId is { } claimed)
                    {
                        await log.ReleaseAsync(connector.Provider, claimed);
                    }

                    await log.LogAsync(new ConnectorDelivery(connector.Provider, delivery.DeliveryId, now, delivery.Topic, DeliveryOutcomes.Failed, "the engine could not store it; the provider's retry is applied"));
                }
                catch (Exception logging) when (logging is not OutOfMemoryException)
                {
                    LogNotLogged(logger, logging, connector.Provider);
                }

                LogFailed(logger, exception, connector.Provider, delivery.Topic);
                throw;
            }

            if (delivery.DeliveryId is { } done)
            {
                await log.CompleteAsync(connector.Provider, done);
            }

            return await AnswerAsync(log, connector, delivery, now, result);
        }
    }

    private static async Task<IResult> AnswerAsync(ConnectorDeliveries log, IConnector connector, Delivery delivery, DateTimeOffset now, ConnectorResult result)
    {
        await log.LogAsync(new ConnectorDelivery(connector.Provider, delivery.DeliveryId, now, delivery.Topic, result.Outcome, result.Reason));
        return TypedResults.Ok(new ConnectorAnswer(result.Outcome, result.Reason));
    }

    private static string Name(IConnector connector) => connector switch
    {
        ShopifyConnector => "Shopify",
        WooCommerceConnector => "WooCommerce",
        _ => "Stripe",
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "A {Provider} delivery was refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string provider, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A {Provider} delivery ({Topic}) could not be applied; the provider will retry it")]
    private static partial void LogFailed(ILogger logger, Exception exception, string provider, string topic);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A failed {Provider} delivery could not be logged or released")]
    private static partial void LogNotLogged(ILogger logger, Exception exception, string provider);

    /// <summary>How many unsigned requests a minute one client may leave in the delivery log: enough to see a misconfiguration.</summary>
    public sealed class RefusalLog
    {
        private readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.Create<string, string>(client =>
            RateLimitPartition.GetFixedWindowLimiter(client, _ => new FixedWindowRateLimiterOptions { PermitLimit = 10, Window = TimeSpan.FromMinutes(1) }));

        public bool MayLog(HttpContext http)
        {
            using var lease = _limiter.AttemptAcquire(LinkRateLimits.Client(http.Connection.RemoteIpAddress));
            return lease.IsAcquired;
        }
    }
}
