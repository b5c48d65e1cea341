namespace Orleans.Recovery.Ledger;

/// <summary>The ledger could not take a grain's entries, which the grain must not forget before it does.</summary>
[GenerateSerializer, Alias("ledger-unavailable")]
public sealed class LedgerUnavailableException() : Exception("The ledger cannot take entries right now; nothing was forgotten. Try again shortly.");

/// <summary>The ledger's queue is full; the grain keeps its entries and appends them again on its next tick.</summary>
[GenerateSerializer, Alias("ledger-full")]
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
