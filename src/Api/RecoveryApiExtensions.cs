using Orleans.Recovery.Hosting.Storage;
using Orleans.Recovery.Mail;
using System.Text.Json;
using System.Threading.RateLimiting;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Orleans.Recovery.Api.Auth;
using Orleans.Recovery.Api.Capture;
using Orleans.Recovery.Api.Carts;
using Orleans.Recovery.Api.Cluster;
using Orleans.Recovery.Api.Connectors;
using Orleans.Recovery.Api.MailEvents;
using Orleans.Recovery.Api.Coupons;
using Orleans.Recovery.Api.Console;
using Orleans.Recovery.Api.Customers;
using Orleans.Recovery.Api.Flows;
using Orleans.Recovery.Api.Health;
using Orleans.Recovery.Api.Links;
using Orleans.Recovery.Api.Orders;
using Orleans.Recovery.Api.Problems;
using Orleans.Recovery.Api.Proxies;
using Orleans.Recovery.Api.Reference;
using Orleans.Recovery.Api.Reports;
using Orleans.Recovery.Hosting;
using Orleans.Recovery.Ledger;
using Orleans.Recovery.Hosting.Security;
using Orleans.Recovery.Hosting.Telemetry;
using Orleans.Dashboard;

namespace Orleans.Recovery.Api;

public static class RecoveryApiExtensions
{
    /// <summary>
    /// The engine: by default a silo co-hosted in this process (localhost clustering). With
    /// <c>Recovery:Clustering=AdoNet</c> this process is instead an Orleans client of the silos started from src/Silo,
    /// finding their gateways in the membership table.
    /// </summary>
    public static WebApplicationBuilder AddRecoveryEngine(this WebApplicationBuilder builder)
    {
        var settings = RecoverySettings.From(builder.Configuration);
        var dashboard = DashboardSettings.From(builder.Configuration, builder.Environment);
        builder.Services.AddSingleton(dashboard);
        if (!settings.IsCluster)
        {
            builder.UseOrleans(silo =>
            {
                silo.AddRecoverySilo(builder.Configuration);
                if (dashboard.Enabled)
                {
                    silo.AddDashboard();
                }
            });
            builder.AddRecoveryTelemetry("orleans-recovery-api", hostsSilo: true);
            return builder;
        }

        builder.Services.AddRecoveryDatabase(settings);

        // Reports read the ledger in the cluster's database directly; the silos write it.
        builder.Services.AddLedgerDatabase(provider => settings.LedgerDatabase(provider.GetRequiredService<RecoveryDataSource>().Source, gate: null));
        if (settings.ApplySchema)
        {
            // Registered before the Orleans client, so the queries it reads exist even if no silo has started yet.
            builder.Services.AddHostedService<SchemaOnStart>();
        }

        // Only what serving the links needs: the grains, and everything they depend on, live in the silos.
        builder.Services.AddRecoveryLinks(signingKeyMayBeGenerated: false);
        var tls = ClusterTls.From(builder.Configuration);
        builder.UseOrleansClient(client =>
        {
            client.AddRecoveryClusterClient(settings, tls);
            if (dashboard.Enabled)
            {
                // The silos must have it on too: they collect what it shows.
                client.AddDashboard();
            }
        });
        builder.AddRecoveryTelemetry("orleans-recovery-api", hostsSilo: false);
        return builder;
    }

    /// <summary>Keys, problem details, validation, JSON, health checks and rate limits of the HTTP API.</summary>
    public static WebApplicationBuilder AddRecoveryApi(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ApiKeyOptions>().BindConfiguration(ApiKeyOptions.Section)
            .PostConfigure<IHostEnvironment>((keys, environment) =>
            {
                // Development runs out of the box with well-known keys; anywhere else they must be configured.
                keys.IsDevelopment = environment.IsDevelopment();
                if (environment.IsDevelopment() && string.IsNullOrWhiteSpace(keys.Storefront) && string.IsNullOrWhiteSpace(keys.Operator))
                {
                    keys.Storefront = ApiKeyOptions.DevelopmentStorefrontKey;
                    keys.Operator = ApiKeyOptions.DevelopmentOperatorKey;
                    keys.UsesDevelopmentKeys = true;
                }
            })
            .ValidateDataAnnotations().ValidateOnStart();

        services.AddSingleton<FailedKeyLimiter>();
        // The silos' mail settings: an API process that is a cluster client finds their pickup directory to export and
        // erase its copies (on one machine, or a shared volume).
        services.AddOptions<SmtpOptions>().BindConfiguration(SmtpOptions.Section);
        services.AddSingleton<Customers.PickupCopies>();
        services.AddSingleton<Customers.ErasureVacuum>();
        services.AddHostedService(provider => provider.GetRequiredService<Customers.ErasureVacuum>());
        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(ApiScopes.Storefront, policy => policy.RequireClaim(ApiScopes.ClaimType, ApiScopes.Storefront))
            .AddPolicy(ApiScopes.Operator, policy => policy.RequireClaim(ApiScopes.ClaimType, ApiScopes.Operator))
            .AddPolicy(ApiScopes.Capture, policy => policy.RequireClaim(ApiScopes.ClaimType, ApiScopes.Capture));
        services.AddCapture();
        services.AddConnectors();

        services.AddProblemDetails(options => options.CustomizeProblemDetails = ProblemDetailsNaming.Customize);
        services.AddExceptionHandler<BadRequestExceptionHandler>();
        services.AddExceptionHandler<ClusterUnavailable>();
        services.AddExceptionHandler<StorageUnavailableHandler>();
        services.AddValidation();
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.Configure<JsonOptions>(options =>
        {
            options.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false));
            options.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
        });

        services.AddReverseProxySupport();
        services.AddSingleton<LinkPages>();
        services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = (context, _) =>
            {
                context.HttpContext.Response.Headers.RetryAfter = "60";
                return ValueTask.CompletedTask;
            };
            options.AddPolicy(LinkRateLimits.Policy, LinkRateLimits.Partition);
            options.AddPolicy(CaptureApi.RatePolicy, CaptureApi.PerClient);
            options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(CaptureApi.PerKey);
        });

        services.AddRecoveryHealthChecks();
        services.AddApiReference();
        services.AddRecoveryConsole();
        return builder;
    }

    /// <summary>The middleware pipeline and every endpoint.</summary>
    public static WebApplication MapRecoveryApi(this WebApplication app)
    {
        app.UseReverseProxySupport();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRequestBodyLimit();
        app.UseConsoleFraming();
        app.UseCaptureOrigins();
        app.UseCors();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        app.UseRateLimiter();

        app.MapHealthApi();
        app.MapApiReference();
        app.MapRecoveryTelemetry();
        if (app.Services.GetRequiredService<DashboardSettings>().Enabled)
        {
            app.MapOrleansDashboard(DashboardSettings.Path).RequireAuthorization(ConsoleServices.Policy).ExcludeFromDescription();
        }
        var engine = app.MapGroup("").AddEndpointFilter<ClusterRetryFilter>();
        engine.MapCartsApi();
        engine.MapOrdersApi();
        engine.MapCouponsApi();
        engine.MapCustomersApi();
        engine.MapFlowsApi();
        engine.MapStatsApi();
        engine.MapLeadsApi();
        engine.MapPaymentsReportApi();
        engine.MapPublicLinksApi();
        engine.MapPagesApi();
        engine.MapCaptureApi();
        engine.MapConnectorsApi();
        engine.MapMailEventsApi();
        app.MapRecoveryConsole();

        // Once started: options are validated at start, all together, and a warning must not pre-empt that.
        app.Lifetime.ApplicationStarted.Register(() => WarnAboutDevelopmentSettings(app));
        return app;
    }

    private static void WarnAboutDevelopmentSettings(WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<ApiKeyOptions>>().Value.UsesDevelopmentKeys)
        {
            app.Logger.LogWarning(
                "Using the development API keys ({Storefront} for the storefront, {Operator} for the operator). Set Recovery:ApiKeys:Storefront and Recovery:ApiKeys:Operator before going live",
                ApiKeyOptions.DevelopmentStorefrontKey,
                ApiKeyOptions.DevelopmentOperatorKey);
        }

        // In a cluster the silos send the mail; their own logs say where it goes.
        if (!app.Services.GetRequiredService<RecoverySettings>().IsCluster
            && app.Services.GetRequiredService<IOptions<Mail.SmtpOptions>>().Value is { UsesPickupDirectory: true } smtp)
        {
            app.Logger.LogWarning(
                "No SMTP host configured (Recovery:Smtp:Host): mail is written as .eml files to {PickupDirectory}",
                Path.GetFullPath(smtp.PickupDirectory));
        }
    }
}
