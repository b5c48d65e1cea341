using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Recovery.Ledger;


namespace Orleans.Recovery.Ledger;

/// <summary>
/// The ledger on the silo's database. Appends from every grain on the silo queue here and are written together, a
/// batch of grains in one transaction, so a burst of sends costs a few transactions rather than one per message. A
/// batch that fails is tried grain by grain, so one bad entry cannot hold back the others; what still fails is
/// reported to its grain, which keeps the entries and appends them again.
/// </summary>
public sealed partial class SqlLedger : ILedger, IAsyncDisposable
{
    private const int MaxGrainsPerTransaction = 256;

    /// <summary>
    /// How long a PostgreSQL transaction waits for more grains once the first is queued. A transaction costs the same
    /// dozen statements for one grain or 256 (the writes are set-based), so at 500 carts a second this turns about 0.8
    /// statements per cart into under 0.1. Nothing waits on it but the ledger's readers and a finished grain's reminder.
    /// </summary>
    public static readonly TimeSpan DefaultLinger = TimeSpan.FromMilliseconds(200);

    /// <summary>This writer's own rows of the daily counts on PostgreSQL, drawn once per process: one of 1,024.</summary>
    private readonly int _shard = System.Security.Cryptography.RandomNumberGenerator.GetInt32(1024);

    /// <summary>Appends waiting at most: past that the grains keep their entries in their state and append them again.</summary>
    public const int DefaultCapacity = 10_000;

    private readonly Channel<Append> _queue;
    private readonly LedgerDatabase _database;
    private readonly IOptionsMonitor<AttributionOptions> _attribution;
    private readonly ILogger<SqlLedger> _logger;
    private readonly ILedgerMetrics? _metrics;
    private readonly Task _writing;
    private readonly ICustomerKeyForm? _keys;

    /// <summary>
    /// The carts and orders whose entries this writer was handed and has not committed, with the customer they name:
    /// queued, being written, refused or failed. A snapshot is acknowledged once its cart is stored, before the ledger
    /// has its planned messages, and no customer grain is told of a new cart; so an erase or export asks every silo for
    /// these, to find a cart the ledger does not list yet. An entry goes when a later append of its owner commits here;
    /// one whose owner appended again on another silo stays, and costs an erase a look at a cart that is someone else's.
    /// </summary>
    private readonly ConcurrentDictionary<(string Kind, string Id), string> _uncommitted = new();

    private int _pending;
    private int _full;
    private volatile bool _closed;

    public SqlLedger(LedgerDatabase database, IOptionsMonitor<AttributionOptions> attribution, ILogger<SqlLedger> logger, ILedgerMetrics? metrics = null, int capacity = DefaultCapacity, ICustomerKeyForm? keys = null)
    {
        _keys = keys;
        _queue = Channel.CreateBounded<Append>(new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        _database = database;
        _attribution = attribution;
        _logger = logger;
        _metrics = metrics;
        _writing = Task.Run(WriteAllAsync);
    }

    /// <summary>Appends queued or being written: zero once everything handed to the ledger is committed or failed.</summary>
    public int Pending => Volatile.Read(ref _pending);

    /// <summary>How long a PostgreSQL transaction waits for more grains (<see cref="DefaultLinger"/>); a test that times its faults by transactions sets none.</summary>
    public TimeSpan Linger { get; set; } = DefaultLinger;

    /// <summary>A fault to inject in tests: called inside each transaction, before it commits (a crash mid-flush).</summary>
    public Func<IReadOnlyList<LedgerBatch>, Task>? BeforeCommit { get; set; }

    /// <summary>A fault to inject in tests: called after each commit, before the grains hear of it (a crash right after one).</summary>
    public Func<IReadOnlyList<LedgerBatch>, Task>? AfterCommit { get; set; }

    public Task AppendAsync(LedgerBatch batch)
    {
        if (batch.IsEmpty)
        {
            return Task.CompletedTask;
        }

        // Entries a grain kept from before keys were keyed (its journal, a coupon's issue) name the old key: written in today's form.
        if (_keys is not null && batch.Owner.CustomerKey is { } key && _keys.Current(key) is var current && current != key)
        {
            batch = batch with { Owner = batch.Owner with { CustomerKey = current } };
        }

        if (batch.Owner is { Kind: LedgerOwner.Cart or LedgerOwner.Order, CustomerKey: { } customerKey })
        {
            _uncommitted[(batch.Owner.Kind, batch.Owner.Id)] = customerKey;
        }

        var append = new Append(batch, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        Interlocked.Increment(ref _pending);
        if (!_queue.Writer.TryWrite(append))
        {
            Interlocked.Decrement(ref _pending);
            if (_closed)
            {
                return Task.FromException(new ObjectDisposedException(nameof(SqlLedger)));
            }

            // Refused at once rather than held in memory without end: the grain keeps the entries and its reminder.
            if (Interlocked.Exchange(ref _full, 1) == 0)
            {
                LogFull();
            }

            return Task.FromException(new LedgerFullException());
        }

        Interlocked.Exchange(ref _full, 0);
        return append.Done.Task;
    }

    /// <summary>The carts and orders of <paramref name="customerKey"/> whose entries this writer has not committed.</summary>
    public IReadOnlyList<LedgerOwner> UncommittedOf(string customerKey) =>
        [.. _uncommitted.Where(entry => entry.Value == customerKey).Select(entry => new LedgerOwner(entry.Key.Kind, entry.Key.Id, customerKey))];

    public async ValueTask DisposeAsync()
    {
        _closed = true;
        _queue.Writer.TryComplete();
        await _writing;
    }

    private async Task WriteAllAsync()
    {
        var reader = _queue.Reader;
        var appends = new List<Append>(MaxGrainsPerTransaction);
        while (await reader.WaitToReadAsync())
        {
            while (appends.Count < MaxGrainsPerTransaction && reader.TryRead(out var append))
            {
                appends.Add(append);
            }

            if (_database.IsPostgreSql && appends.Count < MaxGrainsPerTransaction && !_closed && Linger > TimeSpan.Zero)
            {
                await GatherAsync(reader, appends, Linger);
            }

            await WriteAsync(appends);
            Interlocked.Add(ref _pending, -appends.Count);
            appends.Clear();
        }
    }

    /// <summary>Adds what arrives within <paramref name="wait"/>, up to a transaction's worth.</summary>
    private static async Task GatherAsync(ChannelReader<Append> reader, List<Append> appends, TimeSpan wait)
    {
        using var linger = new CancellationTokenSource(wait);
        try
        {
            while (appends.Count < MaxGrainsPerTransaction && await reader.WaitToReadAsync(linger.Token))
            {
                while (appends.Count < MaxGrainsPerTransaction && reader.TryRead(out var append))
                {
                    appends.Add(append);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The linger is over: what has arrived is written.
        }
    }

    private async Task WriteAsync(List<Append> appends)
    {
        try
        {
            await WriteTransactionAsync([.. appends.Select(append => append.Batch)]);
            appends.ForEach(Committed);
            return;
        }
        catch (Exception exception) when (appends.Count > 1)
        {
            LogBatchFailed(exception, appends.Count);
        }
        catch (Exception exception)
        {
            appends[0].Done.TrySetException(exception);
            return;
        }

        foreach (var append in appends)
        {
            try
            {
                await WriteTransactionAsync([append.Batch]);
                Committed(append);
            }
            catch (Exception exception)
            {
                append.Done.TrySetException(exception);
            }
        }
    }

    private void Committed(Append append)
    {
        // The ledger files the owner under its customer now, unless a later append names another who is still on the way.
        if (append.Batch.Owner is { Kind: LedgerOwner.Cart or LedgerOwner.Order, CustomerKey: { } customerKey } owner)
        {
            _uncommitted.TryRemove(KeyValuePair.Create((owner.Kind, owner.Id), customerKey));
        }

        append.Done.TrySetResult();
    }

    private Task WriteTransactionAsync(IReadOnlyList<LedgerBatch> batches) => _database.WriteAsync(async () =>
    {
        await using var connection = await _database.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        // Bounded, and serialised per customer only, so silos write side by side: an attribution must see every touch
        // and order of its customer that another silo committed before it. The daily counts are increments into rows of
        // this writer's own, which no other silo waits on.
        var work = new LedgerTransaction(connection, transaction, _attribution.CurrentValue, _database.IsPostgreSql ? _shard : null);
        await work.WriteAsync(batches);

        await work.AttributeAsync();
        await work.CountAsync();
        if (BeforeCommit is { } fault)
        {
            await fault(batches);
        }

        await transaction.CommitAsync();
        foreach (var (flow, step, metric, detail, count, amount) in work.Changes)
        {
            _metrics?.Counted(flow, step, metric, detail, count, amount);
        }

        if (AfterCommit is { } lost)
        {
            await lost(batches);
        }

        return true;
    });

    private sealed record Append(LedgerBatch Batch, TaskCompletionSource Done);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The ledger's queue is full: grains keep their entries in their state and append them again once it has room")]
    private partial void LogFull();

    [LoggerMessage(Level = LogLevel.Warning, Message = "A ledger transaction of {Grains} grains' entries failed; writing them one grain at a time")]
    private partial void LogBatchFailed(Exception exception, int grains);
}
