namespace Orleans.Recovery.Ledger;

/// <summary>
/// One writer at a time to the embedded SQLite file, within the process that owns it.
/// </summary>
/// <remarks>
/// SQLite lets one connection write at a time. The ADO.NET providers open a pooled connection per call. When two grains
/// write at once, the loser gets SQLITE_BUSY, and Microsoft.Data.Sqlite retries only after sleeping 150 ms on a
/// thread-pool thread. Under a storefront's burst, that was most of a snapshot's latency: slowest 1.8 s, with the
/// process mostly idle. Taking turns here, asynchronously, costs nothing SQLite did not already serialise. Reads are
/// not gated: under WAL they never wait for a writer. PostgreSQL runs without the gate.
/// </remarks>
public sealed class SqliteWriteGate
{
    private readonly SemaphoreSlim _turn = new(1, 1);

    public async Task<T> WriteAsync<T>(Func<Task<T>> write)
    {
        await _turn.WaitAsync();
        try
        {
            return await write();
        }
        finally
        {
            _turn.Release();
        }
    }

    public Task WriteAsync(Func<Task> write) => WriteAsync(async () =>
    {
        await write();
        return true;
    });
}
