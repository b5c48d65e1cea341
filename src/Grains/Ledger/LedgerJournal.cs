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
