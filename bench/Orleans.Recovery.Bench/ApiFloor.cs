using System.Net;
using System.Text;
using Orleans.Recovery.Testing;

namespace Orleans.Recovery.Bench;

/// <summary>
/// The api measurement's floor: bench/Orleans.Recovery.Bench.ApiFloor in a process of its own, the product's cart PUT
/// with its key authentication and validation, storing into a dictionary instead of calling the engine.
/// </summary>
public sealed class ApiFloor : IAsyncDisposable
{
    private readonly WebProcess _process;

    private ApiFloor(WebProcess process) => _process = process;

    public Uri BaseAddress => _process.BaseAddress;

    public HttpClient Client(string key) => _process.Client(key);

    public static async Task<ApiFloor> StartAsync(string repository)
    {
        // Any answer means Kestrel listens and the options were validated at start.
        var process = await WebProcess.StartAsync(repository, "bench/Orleans.Recovery.Bench.ApiFloor", "Orleans.Recovery.Bench.ApiFloor", FreePort.Next(), Product.KeySettings, "/", _ => true);
        var floor = new ApiFloor(process);
        try
        {
            await floor.RefusesWhatTheProductRefusesAsync();
        }
        catch
        {
            await floor.DisposeAsync();
            throw;
        }

        return floor;
    }

    /// <summary>
    /// A floor that skipped the key or the validation would be a floor of less work: a cart without a key, with the
    /// wrong key and with a bad field must be refused as the product refuses them, and a good one stored.
    /// </summary>
    private async Task RefusesWhatTheProductRefusesAsync()
    {
        const string bad = """{"customer":{"email":"not-an-email","firstName":"Ana"},"currency":"EUR","items":[],"restoreUrl":"https://shop.example/cart/c"}""";
        var expected = new (string? Key, string Body, HttpStatusCode Status)[]
        {
            (null, Storefront.CartBody("floor-check"), HttpStatusCode.Unauthorized),
            (Product.OperatorKey, Storefront.CartBody("floor-check"), HttpStatusCode.Forbidden),
            (Product.StorefrontKey, bad, HttpStatusCode.BadRequest),
            (Product.StorefrontKey, Storefront.CartBody("floor-check"), HttpStatusCode.NoContent),
        };
        foreach (var (key, body, status) in expected)
        {
            using var client = _process.Client(key ?? "");
            if (key is null)
            {
                client.DefaultRequestHeaders.Authorization = null;
            }

            using var content = new StringContent(body, Encoding.UTF8, "application/json");
            using var response = await client.PutAsync("/api/v1/carts/floor-check", content);
            if (response.StatusCode != status)
            {
                throw new InvalidOperationException($"The api floor answered {(int)response.StatusCode} where the product answers {(int)status}: {await response.Content.ReadAsStringAsync()}");
            }
        }
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
