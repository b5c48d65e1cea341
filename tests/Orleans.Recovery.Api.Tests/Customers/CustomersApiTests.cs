using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Orleans.Recovery.Api.Tests.Customers;

[Trait("Category", "Api")]
public sealed class CustomersApiTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private readonly HttpClient _operator = fixture.Api.Operator();

    [Fact]
    public async Task TheOperatorLooksUpACustomerWithTheAddressInTheBodyNotTheUrl()
    {
        var cartId = Bodies.NewId("cart");
        var email = Bodies.NewEmail();
        await fixture.Api.Storefront().PutCartAsync(cartId, Bodies.Cart(cartId, email));
        await fixture.Api.AdvanceUntilAsync(TimeSpan.FromHours(1), () => Task.FromResult(fixture.Smtp.To(email).Any()), $"mail to {email}");

        var lookup = await _operator.PostAsync("/api/v1/customers/lookup", Bodies.Json(new JsonObject { ["email"] = email.ToUpperInvariant() }));

        Assert.Equal(HttpStatusCode.OK, lookup.StatusCode);
        var view = await lookup.ReadJsonAsync();
        Assert.Single(view.GetProperty("recentMarketingSends").EnumerateArray());
    }

    [Fact]
    public async Task ALookupOfABadAddressNamesTheFieldAndTheStorefrontKeyIsRefused()
    {
        var bad = await _operator.PostAsync("/api/v1/customers/lookup", Bodies.Json(new JsonObject { ["email"] = "not-an-address" }));
        var missing = await _operator.PostAsync("/api/v1/customers/lookup", Bodies.Json(new JsonObject()));
        var storefront = await fixture.Api.Storefront().PostAsync("/api/v1/customers/lookup", Bodies.Json(new JsonObject { ["email"] = Bodies.NewEmail() }));

        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.True((await bad.ReadJsonAsync()).GetProperty("errors").TryGetProperty("email", out _));
        Assert.True((await missing.ReadJsonAsync()).GetProperty("errors").TryGetProperty("email", out _));
        Assert.Equal(HttpStatusCode.Forbidden, storefront.StatusCode);
    }

    [Fact]
    public async Task TheAddressInThePathStillAnswersButSaysItIsDeprecatedAndWhereToGo()
    {
        var email = Bodies.NewEmail();

        var old = await _operator.GetAsync($"/api/v1/customers/{Uri.EscapeDataString(email)}");
        var lookup = await _operator.PostAsync("/api/v1/customers/lookup", Bodies.Json(new JsonObject { ["email"] = email }));

        Assert.Equal(HttpStatusCode.OK, old.StatusCode);
        Assert.StartsWith("@", old.Headers.GetValues("Deprecation").Single());
        Assert.Equal("</api/v1/customers/lookup>; rel=\"successor-version\"", old.Headers.GetValues("Link").Single());
        Assert.Equal(JsonSerializer.Serialize(await lookup.ReadJsonAsync()), JsonSerializer.Serialize(await old.ReadJsonAsync()));
    }
}
