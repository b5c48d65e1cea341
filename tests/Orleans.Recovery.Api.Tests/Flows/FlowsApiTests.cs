using System.Net;
using System.Text.Json.Nodes;

namespace Orleans.Recovery.Api.Tests.Flows;

[Trait("Category", "Api")]
public sealed class FlowsApiTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private readonly HttpClient _operator = fixture.Api.Operator();

    [Fact]
    public async Task TheOperatorReplacesAFlowAndABadDefinitionChangesNothing()
    {
        var before = await (await _operator.GetAsync("/api/v1/flows/IncompletePayment")).EnsureSuccessStatusCode().ReadJsonAsync();
        Assert.Equal("configuration", before.GetProperty("source").GetString());
        var definition = JsonNode.Parse(before.GetProperty("definition").GetRawText())!.AsObject();

        definition["steps"]![1]!["delay"] = "00:30:00";
        definition["steps"]![2]!["template"] = "no-such-template";
        var bad = await _operator.PutAsync("/api/v1/flows/incomplete-payment", Bodies.Json(definition));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = (await bad.ReadJsonAsync()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("steps[1].delay", out _));
        Assert.True(errors.TryGetProperty("steps[2].template", out _));
        var unchanged = await (await _operator.GetAsync("/api/v1/flows/incomplete-payment")).ReadJsonAsync();
        Assert.Equal("3.00:00:00", unchanged.GetProperty("definition").GetProperty("steps")[1].GetProperty("delay").GetString());

        definition["steps"]![1]!["delay"] = "2.00:00:00";
        definition["steps"]![2]!["template"] = "payment-failed";
        definition["steps"]![2]!["variants"] = new JsonArray { new JsonObject { ["name"] = "fifteen", ["weight"] = 1, ["discountPercent"] = 15 } };
        var good = await _operator.PutAsync("/api/v1/flows/incomplete-payment", Bodies.Json(definition));
        Assert.Equal(HttpStatusCode.OK, good.StatusCode);
        var after = await good.ReadJsonAsync();
        Assert.Equal("operator", after.GetProperty("source").GetString());
        Assert.Equal("2.00:00:00", after.GetProperty("definition").GetProperty("steps")[1].GetProperty("delay").GetString());

        var reset = await (await _operator.DeleteAsync("/api/v1/flows/incomplete-payment")).EnsureSuccessStatusCode().ReadJsonAsync();
        Assert.Equal("configuration", reset.GetProperty("source").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await _operator.GetAsync("/api/v1/flows/win-back")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await fixture.Api.Storefront().GetAsync("/api/v1/flows/incomplete-payment")).StatusCode);
    }

    [Fact]
    public async Task AHoldoutShareIsSetThroughTheFlowsApiAndOneAboveHalfIsRefusedNamingIt()
    {
        var definition = await CartFlowAsync();
        Assert.Equal(0, definition["holdout"]!.GetValue<double>());

        definition["holdout"] = 0.6;
        var refused = await _operator.PutAsync("/api/v1/flows/cart-abandonment", Bodies.Json(definition));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal(["holdout"], (await refused.ReadJsonAsync()).GetProperty("errors").EnumerateObject().Select(e => e.Name));
        Assert.Equal(0, (await CartFlowAsync())["holdout"]!.GetValue<double>());

        try
        {
            definition["holdout"] = 0.25;
            var accepted = await _operator.PutAsync("/api/v1/flows/cart-abandonment", Bodies.Json(definition));
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
            Assert.Equal(0.25, (await CartFlowAsync())["holdout"]!.GetValue<double>());
        }
        finally
        {
            (await _operator.DeleteAsync("/api/v1/flows/cart-abandonment")).EnsureSuccessStatusCode();
        }
    }

    [Fact]
    public async Task ADelayBeyondAYearIsRefusedAndCartsKeepBeingTaken()
    {
        var definition = await CartFlowAsync();
        definition["steps"]![2]!["delay"] = "10675199.00:00:00";
        definition["expiry"] = "10675199.00:00:00";
        definition["steps"]![2]!["couponValidity"] = "366.00:00:00";

        var put = await _operator.PutAsync("/api/v1/flows/cart-abandonment", Bodies.Json(definition));

        Assert.Equal(HttpStatusCode.BadRequest, put.StatusCode);
        var errors = (await put.ReadJsonAsync()).GetProperty("errors");
        Assert.Equal(["expiry", "steps[2].couponValidity", "steps[2].delay"], errors.EnumerateObject().Select(e => e.Name).Order());
        Assert.Equal("3.00:00:00", (await CartFlowAsync())["steps"]![2]!["delay"]!.GetValue<string>());
        var cartId = Bodies.NewId("cart");
        Assert.Equal(HttpStatusCode.NoContent, (await fixture.Api.Storefront().PutCartAsync(cartId, Bodies.Cart(cartId, Bodies.NewEmail()))).StatusCode);
    }

    [Fact]
    public async Task AVariantSubjectThatLoopsWithoutEndIsRefusedNamingIt()
    {
        var definition = await CartFlowAsync();
        definition["steps"]![0]!["variants"] = new JsonArray
        {
            new JsonObject { ["name"] = "calm", ["weight"] = 1, ["subject"] = "{{ firstName }}, your cart is waiting" },
            new JsonObject { ["name"] = "spin", ["weight"] = 1, ["subject"] = "{% for a in (1..100000) %}{% for b in (1..100000) %}x{% endfor %}{% endfor %}" },
        };

        var put = await _operator.PutAsync("/api/v1/flows/cart-abandonment", Bodies.Json(definition));

        Assert.Equal(HttpStatusCode.BadRequest, put.StatusCode);
        var errors = (await put.ReadJsonAsync()).GetProperty("errors");
        var error = Assert.Single(errors.EnumerateObject());
        Assert.Equal("steps[0].variants[1].subject", error.Name);
        Assert.Contains("cannot be rendered", error.Value[0].GetString());
        Assert.Empty((await CartFlowAsync())["steps"]![0]!["variants"]!.AsArray());
    }

    private async Task<JsonObject> CartFlowAsync()
    {
        var flow = await (await _operator.GetAsync("/api/v1/flows/cart-abandonment")).EnsureSuccessStatusCode().ReadJsonAsync();
        return JsonNode.Parse(flow.GetProperty("definition").GetRawText())!.AsObject();
    }

    [Fact]
    public async Task APreviewRendersAnyStepInGermanWithGermanMoneyOrInEnglishWithEnglishMoney()
    {
        var german = await (await _operator.PostAsync("/api/v1/flows/cart-abandonment/steps/3/preview", Bodies.Json(new JsonObject { ["locale"] = "de-DE" })))
            .EnsureSuccessStatusCode().ReadJsonAsync();
        Assert.Contains("44,88 €", german.GetProperty("text").GetString());
        Assert.Contains("Rabatt", german.GetProperty("text").GetString());

        var english = await (await _operator.PostAsync("/api/v1/flows/post-purchase/steps/1/preview", Bodies.Json(new JsonObject { ["locale"] = "en-IE" })))
            .EnsureSuccessStatusCode().ReadJsonAsync();
        Assert.Contains("€44.88", english.GetProperty("text").GetString());
        Assert.Contains("is confirmed", english.GetProperty("subject").GetString());

        var noLocale = await _operator.PostAsync("/api/v1/flows/cart-abandonment/steps/1/preview", Bodies.Json(new JsonObject()));
        Assert.True((await noLocale.ReadJsonAsync()).GetProperty("errors").TryGetProperty("locale", out _));
        var noStep = await _operator.PostAsync("/api/v1/flows/cart-abandonment/steps/9/preview", Bodies.Json(new JsonObject { ["locale"] = "en" }));
        Assert.True((await noStep.ReadJsonAsync()).GetProperty("errors").TryGetProperty("step", out _));
        var noCart = await _operator.PostAsync("/api/v1/flows/cart-abandonment/steps/1/preview", Bodies.Json(new JsonObject { ["locale"] = "en", ["cartId"] = "nope" }));
        Assert.Equal(HttpStatusCode.NotFound, noCart.StatusCode);
    }
}
