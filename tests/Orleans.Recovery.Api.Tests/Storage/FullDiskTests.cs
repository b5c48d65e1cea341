using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Orleans.Recovery.Testing;

namespace Orleans.Recovery.Api.Tests.Storage;

/// <summary>
/// The embedded default on a disk that fills up: its SQLite file on a small tmpfs, filled to the last byte while
/// carts and orders have pending work. Every call is then stored or answered 503, never acknowledged unstored, and
/// once there is room again the refused calls are taken and nothing is lost across a restart.
/// </summary>
[Trait("Category", "Api")]
public sealed class FullDiskTests(SmtpFixture smtpFixture, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<SmtpFixture>
{
    [Fact]
    public async Task OnAFullDiskEveryCallIsStoredOrRefusedWith503AndTheRefusedOnesAreTakenOnceThereIsRoom()
    {
        using var disk = await SmallDisk.MountAsync(megabytes: 24);
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));
        var acknowledged = new List<string>();
        var refused = new List<(string What, Func<HttpClient, Task<HttpResponseMessage>> Call)>();
        var deletedCart = Bodies.NewId("cart");
        var paidOrder = Bodies.NewId("order");
        var email = Bodies.NewEmail();

        await using (var api = new RecoveryApiFactory(smtpFixture.Smtp, disk.Directory, clock))
        {
            var storefront = api.Storefront();
            Assert.Equal(HttpStatusCode.NoContent, (await storefront.PutCartAsync(deletedCart, Bodies.Cart(deletedCart, email))).StatusCode);
            var order = Bodies.Order(paidOrder, null, email);
            order["paymentStatus"] = "pending";
            Assert.Equal(HttpStatusCode.Created, (await storefront.PostAsync("/api/v1/orders", Bodies.Json(order))).StatusCode);
            Assert.Equal(HttpStatusCode.NoContent, (await storefront.PostAsync($"/api/v1/orders/{paidOrder}/payment-failed", Bodies.Json(new JsonObject { ["reason"] = "declined", ["retryUrl"] = "https://shop.test/pay" }))).StatusCode);

            disk.Fill();

            // New carts until the file can grow no more: each is stored (204) or refused (503), nothing else.
            for (var i = 0; i < 2_000 && refused.Count == 0; i++)
            {
                var cartId = Bodies.NewId("cart");
                var put = await storefront.PutCartAsync(cartId, Bodies.Cart(cartId, Bodies.NewEmail()));
                Assert.True(put.StatusCode is HttpStatusCode.NoContent or HttpStatusCode.ServiceUnavailable, $"PUT answered {(int)put.StatusCode} on a full disk: {await put.Content.ReadAsStringAsync()}");
                if (put.StatusCode == HttpStatusCode.NoContent)
                {
                    acknowledged.Add(cartId);
                }
                else
                {
                    Assert.True(put.Headers.RetryAfter?.Delta > TimeSpan.Zero, "Retry-After");
                    refused.Add(($"PUT {cartId}", client => client.PutCartAsync(cartId, Bodies.Cart(cartId, Bodies.NewEmail()))));
                }
            }

            Assert.NotEmpty(refused);
            foreach (var (what, call) in new (string, Func<HttpClient, Task<HttpResponseMessage>>)[]
            {
                ("DELETE cart", client => client.DeleteAsync($"/api/v1/carts/{deletedCart}")),
                ("payment-succeeded", client => client.PostAsync($"/api/v1/orders/{paidOrder}/payment-succeeded", null)),
            })
            {
                var answer = await call(storefront);
                Assert.True(answer.IsSuccessStatusCode || answer.StatusCode == HttpStatusCode.ServiceUnavailable, $"{what} answered {(int)answer.StatusCode} on a full disk");
                if (!answer.IsSuccessStatusCode)
                {
                    refused.Add((what, call));
                }
            }

            output.WriteLine($"On the full disk: {acknowledged.Count} carts stored, then refused: {string.Join(", ", refused.Select(call => call.What))}");

            // Room again: every refused call, repeated, is taken.
            disk.Free();
            foreach (var (what, call) in refused)
            {
                await Eventually.TrueAsync(async () =>
                {
                    var answer = await call(storefront);
                    Assert.True(answer.IsSuccessStatusCode || answer.StatusCode == HttpStatusCode.ServiceUnavailable, $"{what} answered {(int)answer.StatusCode}");
                    return answer.IsSuccessStatusCode;
                }, TimeSpan.FromSeconds(30), $"{what} to be taken once the disk has room");
            }
        }

        // After a restart on the same file: every acknowledged cart is there, and the retried changes held.
        await using var restarted = new RecoveryApiFactory(smtpFixture.Smtp, disk.Directory, clock);
        var operatorClient = restarted.Operator();
        foreach (var cartId in acknowledged)
        {
            Assert.NotNull(await operatorClient.CartViewAsync(cartId));
        }

        Assert.Equal("deleted", (await operatorClient.CartViewAsync(deletedCart))!.Value.GetProperty("status").GetString());
        var paid = await (await operatorClient.GetAsync($"/api/v1/orders/{paidOrder}")).EnsureSuccessStatusCode().ReadJsonAsync();
        Assert.NotEqual(System.Text.Json.JsonValueKind.Null, paid.GetProperty("paidAt").ValueKind);
    }

    /// <summary>A tmpfs of a few megabytes, mounted for the test (as root, or through sudo), that a filler file fills to the last byte.</summary>
    private sealed class SmallDisk : IDisposable
    {
        private SmallDisk(string directory) => Directory = directory;

        public string Directory { get; }

        private string Filler => Path.Combine(Directory, "filler");

        public static async Task<SmallDisk> MountAsync(int megabytes)
        {
            var directory = System.IO.Directory.CreateTempSubdirectory("recovery-full-disk-").FullName;
            await RunAsync("mount", "-t", "tmpfs", "-o", $"size={megabytes}m", "tmpfs", directory);
            return new SmallDisk(directory);
        }

        /// <summary>Writes until the disk has no byte left.</summary>
        public void Fill()
        {
            using var filler = new FileStream(Filler, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.WriteThrough);
            foreach (var chunk in new[] { 1 << 20, 64 << 10, 4 << 10, 512, 1 })
            {
                var bytes = new byte[chunk];
                try
                {
                    while (true)
                    {
                        filler.Write(bytes);
                        filler.Flush(flushToDisk: true);
                    }
                }
                catch (IOException)
                {
                    // Full at this chunk size; a smaller one may still fit.
                }
            }
        }

        public void Free() => File.Delete(Filler);

        public void Dispose()
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            RunAsync("umount", "-l", Directory).GetAwaiter().GetResult();
            System.IO.Directory.Delete(Directory, recursive: true);
        }

        private static async Task RunAsync(string program, params string[] arguments)
        {
            var root = Environment.UserName == "root";
            var start = root ? new ProcessStartInfo(program, arguments) : new ProcessStartInfo("sudo", ["-n", program, .. arguments]);
            start.RedirectStandardError = true;
            using var process = Process.Start(start)!;
            var error = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}: {error}. The full-disk test mounts a tmpfs: run the tests as root (CI does) or with passwordless sudo.");
            }
        }
    }
}
