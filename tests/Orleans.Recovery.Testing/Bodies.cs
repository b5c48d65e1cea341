using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Orleans.Recovery.Testing;

/// <summary>Request bodies as a storefront sends them, easy to spoil one field at a time.</summary>
public static class Bodies
{
    public static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    public static string NewEmail() => $"{NewId("shopper")}@example.test";

    public static JsonObject Cart(string cartId, string email, string locale = "en-IE") => new()
    {
        ["customer"] = new JsonObject { ["email"] = email, ["firstName"] = "Ana", ["lastName"] = "Example", ["locale"] = locale },
        ["currency"] = "EUR",
        ["items"] = new JsonArray
        {
            new JsonObject { ["sku"] = "BEANS-1KG", ["name"] = "Espresso beans 1 kg", ["quantity"] = 2, ["unitPrice"] = 18.90m },
            new JsonObject { ["sku"] = "MUG-BLUE", ["name"] = "Blue mug", ["quantity"] = 1, ["unitPrice"] = 7.08m },
        },
        ["shippingCost"] = 4.90m,
        ["restoreUrl"] = $"https://shop.test/cart/{cartId}/restore",
    };

    public static JsonObject Order(string orderId, string? cartId, string email) => new()
    {
        ["orderId"] = orderId,
        ["cartId"] = cartId,
        ["customer"] = new JsonObject { ["email"] = email, ["firstName"] = "Ana" },
        ["currency"] = "EUR",
        ["items"] = new JsonArray { new JsonObject { ["sku"] = "BEANS-1KG", ["name"] = "Espresso beans 1 kg", ["quantity"] = 2, ["unitPrice"] = 18.90m } },
        ["subtotal"] = 37.80m,
        ["shipping"] = 4.90m,
        ["tax"] = 0m,
        ["total"] = 42.70m,
        ["paymentStatus"] = "paid",
    };

    /// <summary>A delay notice's body; by default it offers wait, cancel and partial.</summary>
    public static JsonObject Delay(string delayId, params string[] options) => new()
    {
        ["delayId"] = delayId,
        ["reason"] = "supplier delay",
        ["items"] = new JsonArray { new JsonObject { ["sku"] = "BEANS-1KG", ["name"] = "Espresso beans 1 kg", ["quantity"] = 2, ["unitPrice"] = 18.90m } },
        ["newEstimatedShipDate"] = "2026-12-10",
        ["options"] = new JsonArray([.. (options.Length > 0 ? options : ["wait", "cancel", "partial"]).Select(option => (JsonNode?)option)]),
    };

    public static Task<HttpResponseMessage> PutCartAsync(this HttpClient client, string cartId, JsonNode body) =>
        client.PutAsync($"/api/v1/carts/{cartId}", Json(body));

    public static StringContent Json(JsonNode body) => new(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json");

    public static async Task<JsonElement> ReadJsonAsync(this HttpResponseMessage response) =>
        await response.Content.ReadFromJsonAsync<JsonElement>();

    /// <summary>The operator's view of a cart, or null when the API answers 404.</summary>
    public static async Task<JsonElement?> CartViewAsync(this HttpClient operatorClient, string cartId)
    {
        var response = await operatorClient.GetAsync($"/api/v1/carts/{cartId}");
        return response.StatusCode == System.Net.HttpStatusCode.NotFound ? null : await response.EnsureSuccessStatusCode().ReadJsonAsync();
    }
}
