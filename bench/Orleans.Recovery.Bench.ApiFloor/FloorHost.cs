using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.Json;
using Orleans.Recovery.Api.Auth;
using Orleans.Recovery.Api.Problems;

namespace Orleans.Recovery.Bench.ApiFloor;

/// <summary>
/// The product's HTTP work for a cart snapshot and nothing else: the same bearer-key handler and options, scope policy,
/// JSON settings, body limit, validation and problem details as <c>AddRecoveryApi</c> and <c>MapRecoveryApi</c> set
/// up, without the engine. The middleware the product adds for its other endpoints (rate limits, CORS, proxies, the
/// console, telemetry) is left out: what it costs a cart is part of the product's figure, not of the floor.
/// </summary>
public static class FloorHost
{
    public static void Main(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Services.AddFloorApi();
        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRequestBodyLimit();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapFloorCartsApi();
        app.Run();
    }

    private static IServiceCollection AddFloorApi(this IServiceCollection services)
    {
        // Bound and validated as the product's are outside Development: the bench's keys must pass the product's rules.
        services.AddOptions<ApiKeyOptions>().BindConfiguration(ApiKeyOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<FailedKeyLimiter>();
        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(ApiScopes.Storefront, policy => policy.RequireClaim(ApiScopes.ClaimType, ApiScopes.Storefront));

        services.AddProblemDetails(options => options.CustomizeProblemDetails = ProblemDetailsNaming.Customize);
        services.AddExceptionHandler<BadRequestExceptionHandler>();
        services.AddValidation();
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.Configure<JsonOptions>(options =>
        {
            options.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false));
            options.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
        });

        services.AddSingleton<InMemoryCarts>();
        return services;
    }
}
