using System.Net;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;

namespace Orleans.Recovery.Api.Tests.Reference;

/// <summary>The API's description and reference, as an integrator fetches them from a running product.</summary>
[Trait("Category", "Api")]
public sealed class ApiReferenceTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private readonly RecoveryApiFactory _api = fixture.Api;

    [Fact]
    public async Task TheDescriptionIsValidOpenApi3AndListsEveryMappedApiEndpoint()
    {
        var response = await _api.Anonymous().GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var (document, diagnostic) = await OpenApiDocument.LoadAsync(await response.Content.ReadAsStreamAsync(), "json", new OpenApiReaderSettings());
        Assert.NotNull(document);
        Assert.Empty(diagnostic!.Errors);
        Assert.StartsWith("3.", diagnostic.SpecificationVersion switch
        {
            OpenApiSpecVersion.OpenApi3_0 => "3.0",
            OpenApiSpecVersion.OpenApi3_1 => "3.1",
            var other => other.ToString(),
        });
        Assert.Empty(document.Validate(ValidationRuleSet.GetDefaultRuleSet()) ?? []);

        var described = document.Paths.SelectMany(path => path.Value.Operations!.Keys.Select(method => $"{method.Method.ToUpperInvariant()} {path.Key}")).ToHashSet();
        var mapped = MappedEndpoints().Where(endpoint => endpoint.Path.StartsWith("/api/v1/", StringComparison.Ordinal)).ToList();
        Assert.True(mapped.Count >= 20, $"only {mapped.Count} endpoints mapped under /api/v1");
        Assert.All(mapped, endpoint => Assert.Contains($"{endpoint.Method} {endpoint.Path}", described));

        // Shoppers' links are not an integration surface.
        Assert.DoesNotContain(document.Paths.Keys, path => !path.StartsWith("/api/v1/", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("/api/v1/carts/{cartId}", "PUT", "storefront")]
    [InlineData("/api/v1/orders", "POST", "storefront")]
    [InlineData("/api/v1/stats", "GET", "operator")]
    [InlineData("/api/v1/flows/{flow}", "PUT", "operator")]
    [InlineData("/api/v1/capture", "POST", "capture")]
    [InlineData("/api/v1/connectors/deliveries", "GET", "operator")]
    public async Task EachOperationNamesItsKeyAndItsProblems(string path, string method, string scheme)
    {
        var (document, _) = await OpenApiDocument.LoadAsync(await _api.Anonymous().GetStreamAsync("/openapi/v1.json"), "json", new OpenApiReaderSettings());
        var operation = document!.Paths[path].Operations![new HttpMethod(method)];

        var requirement = Assert.Single(operation.Security!);
        Assert.Equal(scheme, Assert.Single(requirement.Keys).Reference.Id);
        Assert.Equal("bearer", document.Components!.SecuritySchemes![scheme].Scheme);
        foreach (var status in new[] { "400", "401", "403", "503" })
        {
            Assert.True(operation.Responses!.TryGetValue(status, out var problem), $"{method} {path} describes {status}");
            Assert.Contains(problem.Content!.Keys, type => type == "application/problem+json");
        }

        Assert.Contains(operation.Responses!.Keys, status => status.StartsWith('2'));
    }

    [Fact]
    public async Task TheReferenceIsServedWithoutTheInternet()
    {
        var client = _api.Anonymous();
        var response = await client.GetAsync("/scalar/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = await response.Content.ReadAsStringAsync();
        Assert.Contains("openapi/v1.json", page);
        Assert.DoesNotContain("cdn.jsdelivr.net", page);

        // The reference's script ships inside the product, so it works on a machine with no internet.
        var script = await client.GetAsync("/scalar/scalar.js");
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.True((await script.Content.ReadAsByteArrayAsync()).Length > 100_000, "the reference's script is served");
    }

    private IEnumerable<(string Method, string Path)> MappedEndpoints() =>
        _api.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(endpoint => (endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? []).Select(method =>
                (method, "/" + endpoint.RoutePattern.RawText!.Trim('/').Replace("{step:int}", "{step}", StringComparison.Ordinal))));
}
