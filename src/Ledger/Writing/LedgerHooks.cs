namespace Orleans.Recovery.Ledger;

/// <summary>Counts the ledger's new rows as metrics, once each, as they are committed (the grains' telemetry does).</summary>
public interface ILedgerMetrics
{
    void Counted(string flow, int step, string metric, string detail, long count, decimal amount);
}

/// <summary>
/// Today's form of a customer key. A grain's journal written before customer keys were keyed may still name the old
/// form; the ledger writes every row under today's (the customers' key scheme does).
/// </summary>
public interface ICustomerKeyForm
{
    string Current(string key);
}
