using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Orleans.Recovery.Ledger;

/// <summary>
/// What a ledger transaction serialises on PostgreSQL: its customers, and nothing cluster-wide. Daily counts are
/// commutative increments and need no lock. A customer's attribution does: it is worked out from every row of theirs,
/// so a touch and a paid order committed side by side by two silos would each miss the other. With the customer's lock
/// taken before its rows are read, whichever transaction comes second reads the first's rows, committed. SQLite has one
/// writer at a time, and takes none.
/// </summary>
internal sealed class LedgerCustomerLocks(LedgerSql sql, bool enabled)
{
    private readonly HashSet<long> _locked = [];

    /// <summary>Locks the erased customer, so no append of theirs slips in between the mark and the deletion.</summary>
    public static Task LockCustomerAsync(LedgerSql sql, string customerKey) =>
        sql.ExecuteAsync("SELECT pg_advisory_xact_lock(@key)", command => command.With("key", LockKey("k", customerKey)));

    /// <summary>
    /// Takes the locks of these customers (their address keys and shop ids) not taken yet, in ascending order, so two
    /// transactions cannot wait on each other for them.
    /// </summary>
    public Task LockAsync(IEnumerable<CustomerIdentity> customers)
    {
        var trip = new PostgresRoundTrip(sql);
        AddTo(trip, customers);
        return trip.RunAsync();
    }

    /// <summary>Adds the taking of these customers' locks (<see cref="LockAsync"/>) to a round trip, before the statements that need them.</summary>
    public void AddTo(PostgresRoundTrip trip, IEnumerable<CustomerIdentity> customers)
    {
        if (!enabled)
        {
            return;
        }

        var keys = customers
            .SelectMany(customer => new[] { customer.Key.Length > 0 ? LockKey("k", customer.Key) : (long?)null, customer.Shop is { } shop ? LockKey("s", shop) : null })
            .OfType<long>()
            .Where(key => !_locked.Contains(key))
            .Distinct()
            .Order()
            .ToArray();
        if (keys.Length == 0)
        {
            return;
        }

        trip.Add("SELECT count(pg_advisory_xact_lock(key)) FROM (SELECT key FROM unnest(@keys) AS key ORDER BY key) AS sorted",
            [new Npgsql.NpgsqlParameter<long[]>("keys", keys)], _ => { });

        // Held from here on: should the round trip fail, so does the transaction, and the locks go with it.
        _locked.UnionWith(keys);
    }

    /// <summary>A customer's lock among the database's advisory locks: 64 bits of a hash of what names them.</summary>
    private static long LockKey(string kind, string value) =>
        BinaryPrimitives.ReadInt64BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes($"recovery-ledger\n{kind}\n{value}")));
}
