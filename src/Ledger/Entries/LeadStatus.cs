namespace Orleans.Recovery.Ledger;

/// <summary>
/// What became of an abandoned cart or a failed payment, as the leads list shows it. A lead's grain says open or
/// recovered (<see cref="LeadOutcome"/>); the ledger adds unsubscribed and lost when it is read.
/// </summary>
public static class LeadStatus
{
    public const string Open = "open";
    public const string Recovered = "recovered";
    public const string Lost = "lost";
    public const string Unsubscribed = "unsubscribed";

    public static readonly IReadOnlyList<string> All = [Open, Recovered, Lost, Unsubscribed];
}
