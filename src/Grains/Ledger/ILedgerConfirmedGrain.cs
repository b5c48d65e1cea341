using Orleans.Concurrency;

namespace Orleans.Recovery.Ledger;

/// <summary>A grain that hands entries to the ledger and holds a reminder until the ledger has them.</summary>
public interface ILedgerConfirmedGrain : IGrainWithStringKey
{
    /// <summary>
    /// The ledger committed an append of the grain's: it removes the reminder it kept for it, unless it still needs one.
    /// One-way, sent by the grain to itself, so the call that made the change never waited for the ledger.
    /// </summary>
    [OneWay]
    Task LedgerConfirmedAsync();
}
