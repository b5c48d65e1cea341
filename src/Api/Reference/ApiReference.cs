using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Orleans.Recovery.Api.Auth;
using Scalar.AspNetCore;

namespace Orleans.Recovery.Api.Reference;

/// <summary>
/// The API's description at <c>/openapi/v1.json</c> (OpenAPI 3.1, generated from the endpoints themselves) and its
/// reference at <c>/scalar</c>. Public links stay out: they are for shoppers, not integrations.
/// </summary>
public static class ApiReference
{
    public const string DocumentPath = "/openapi/v1.json";

    public static IServiceCollection AddApiReference(this IServiceCollection services) =>
        services.AddOpenApi(options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "Orleans Recovery",
                    Version = "v1",
                    Description = "Storefronts report carts, checkouts, orders, payment failures and shipments; operators configure flows and read what was recovered. Errors are RFC 9457 problem details.",
                };
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                foreach (var scope in Scopes)
                {
                    document.Components.SecuritySchemes[scope] = new OpenApiSecurityScheme
                    {
                        Type = SecuritySchemeType.Http,
                        Scheme = "bearer",
                        Description = scope == ApiScopes.Capture
                            ? "The capture script's publishable key (Recovery:Capture:PublishableKey), sent as 'Authorization: Bearer <key>' from the shop's checkout page."
                            : $"The {scope} key (Recovery:ApiKeys:{Capitalised(scope)}), sent as 'Authorization: Bearer <key>'.",
                    };
                }

                return Task.CompletedTask;
            });
            options.AddOperationTransformer(DescribeAccess);
        });

    public static IEndpointRouteBuilder MapApiReference(this IEndpointRouteBuilder app)
    {
        app.MapOpenApi(DocumentPath);
        app.MapScalarApiReference("/scalar", options => options
            .WithTitle("Orleans Recovery API")
            // Nothing fetched from the internet: the machine may have none, and the reference should not call home.
            .DisableDefaultFonts()
            .DisableTelemetry()
            .AddHttpAuthentication(ApiScopes.Operator, scheme => scheme.Token = ""));
        return app;
    }

    private static readonly string[] Scopes = [ApiScopes.Storefront, ApiScopes.Operator, ApiScopes.Capture];

    /// <summary>Which key an operation takes, and the problems every keyed or engine-backed operation can answer.</summary>
    private static async Task DescribeAccess(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.Document is { } document && document.Components?.Schemas?.ContainsKey(nameof(ProblemDetails)) != true)
        {
            document.AddComponent(nameof(ProblemDetails), await context.GetOrCreateSchemaAsync(typeof(ProblemDetails), cancellationToken: cancellationToken));
        }

        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var scope = metadata.OfType<IAuthorizeData>().Select(data => data.Policy).LastOrDefault(Scopes.Contains);
        operation.Responses ??= [];
        if (scope is not null)
        {
            operation.Security =
            [
                new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(scope, context.Document)] = [] },
            ];
            Problem(operation, context, "401", "No key, or an unknown one.");
            Problem(operation, context, "403", $"A key other than the {scope} key.");
        }

        if (context.Description.RelativePath?.StartsWith("api/", StringComparison.Ordinal) == true)
        {
            if (operation.Parameters is { Count: > 0 } || operation.RequestBody is not null)
            {
                Problem(operation, context, "400", "A field is missing or invalid; the problem's errors name it.");
            }

            if (operation.RequestBody is not null)
            {
                Problem(operation, context, "413", "The request body is too large.");
            }

            Problem(operation, context, "503", "The engine cannot be reached; retry after the Retry-After header's seconds.");
        }
    }

    private static void Problem(OpenApiOperation operation, OpenApiOperationTransformerContext context, string status, string description)
    {
        if (operation.Responses!.ContainsKey(status))
        {
            return;
        }

        operation.Responses[status] = new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference("ProblemDetails", context.Document) },
            },
        };
    }

    private static string Capitalised(string scope) => char.ToUpperInvariant(scope[0]) + scope[1..];
}
