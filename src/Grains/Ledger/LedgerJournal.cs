namespace Orleans.Recovery.Ledger;

/// <summary>
/// The entries a grain owes the ledger, kept in its state. They are written with the change they describe, so a crash
/// loses none, and leave the state with a later write once the ledger has confirmed them.
/// </summary>
[GenerateSerializer, Alias("ledger-journal")]
public sealed class LedgerJournal
{
    [Id(0)] public List<LedgerEntry> Entries { get; set; } = [];

    /// <summary>Counts the grain's appends, so the ledger keeps the newest of its lead rows whatever order they land in.</summary>
    [Id(1)] public long Revision { get; set; }

    public void Add(LedgerEntry entry) => Entries.Add(entry);
}

/// <summary>The ledger could not take a grain's entries, which the grain must not forget before it does.</summary>
[GenerateSerializer]
public sealed class LedgerUnavailableException() : Exception("The ledger cannot take entries right now; nothing was forgotten. Try again shortly.");

/// <summary>The ledger's queue is full; the grain keeps its entries and appends them again on its next tick.</summary>
[GenerateSerializer]
public sealed class LedgerFullException() : Exception("The ledger's queue is full; the entries stay with their grain and are appended again.");

/// <summary>The ledger as grains see it: where their entries go once their state is written.</summary>
public interface ILedger
{
    /// <summary>
    /// Records a grain's entries and lead. Every row is keyed, so appending a batch again, after a crash or a retry,
    /// changes nothing. Completes once they are committed.
    /// </summary>
    Task AppendAsync(LedgerBatch batch);
}
