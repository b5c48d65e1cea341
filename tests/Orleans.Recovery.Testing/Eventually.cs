namespace Orleans.Recovery.Testing;

/// <summary>
/// Waits for something asynchronous to become true. Time in the product is moved by a fake clock; this only
/// gives the grains and the SMTP round trip the moment they need to act on it.
/// </summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);

    public static async Task TrueAsync(Func<bool> condition, TimeSpan? timeout = null, string? what = null) =>
        await TrueAsync(() => Task.FromResult(condition()), timeout, what);

    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan? timeout = null, string? what = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for {what ?? "a condition"}.");
            }

            await Task.Delay(25);
        }
    }

    /// <summary>Reads a value until it satisfies <paramref name="condition"/>, and returns it.</summary>
    public static async Task<T> ValueAsync<T>(Func<Task<T>> read, Func<T, bool> condition, string? what = null, TimeSpan? timeout = null)
    {
        var value = await read();
        await TrueAsync(async () => condition(value = await read()), timeout, what);
        return value;
    }
}
