using System.Text;

namespace Orleans.Recovery.Bench;

/// <summary>Reports exactly N carts over HTTP, several at a time, as a busy storefront would: to fill the engine, not to time it.</summary>
public static class Storefront
{
    public static string CartBody(string cartId) =>
        $$"""
        {"customer":{"email":"{{cartId}}@bench.example","firstName":"Ana"},"currency":"EUR","items":[
        {"sku":"BEANS-1KG","name":"Espresso beans 1 kg","quantity":2,"unitPrice":18.90},
        {"sku":"MUG-BLUE","name":"Blue mug","quantity":1,"unitPrice":7.08},
        {"sku":"FILTER-100","name":"Paper filters","quantity":3,"unitPrice":2.50}],
        "shippingCost":4.90,"restoreUrl":"https://shop.example/cart/{{cartId}}"}
        """;

    public static async Task<IReadOnlyList<string>> PutCartsAsync(Product product, string prefix, int count, int concurrency)
    {
        using var client = product.Client(Product.StorefrontKey);
        return await PutCartsAsync(client, prefix, count, concurrency);
    }

    /// <summary>The same through a client with the storefront's key, to any app that takes the product's cart PUT.</summary>
    public static async Task<IReadOnlyList<string>> PutCartsAsync(HttpClient client, string prefix, int count, int concurrency)
    {
        var ids = Enumerable.Range(0, count).Select(i => $"{prefix}-{i}").ToList();
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (id, cancellation) =>
        {
            using var body = new StringContent(CartBody(id), Encoding.UTF8, "application/json");
            using var response = await client.PutAsync($"/api/v1/carts/{id}", body, cancellation);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"PUT /api/v1/carts/{id} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellation)}");
            }
        });
        return ids;
    }
}
