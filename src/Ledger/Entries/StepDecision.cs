namespace Orleans.Recovery.Ledger;

/// <summary>
/// Whether a step came due and the engine decided it: sent, failed, or skipped for what it found at its time (the
/// control group, an unsubscribe, a suppressed address). A step withdrawn before it was due (a purchase, a deleted
/// cart, a payment, a cancellation, a removed step) or found too late to help (expired) was not decided. A cart or
/// order enters a flow with its first decided step, and the holdout compares entries from there. Steps withdrawn by an
/// erase were not decided either: they had not come due.
/// </summary>
public static class StepDecision
{
    private static readonly HashSet<string> NotDue =
    [
        SkipReason.Purchased, SkipReason.CartDeleted, SkipReason.CartEmptied, SkipReason.PaymentSucceeded,
        SkipReason.OrderCancelled, SkipReason.StepRemoved, SkipReason.Expired, SkipReason.AlreadyPaid, SkipReason.Erased,
    ];

    public static bool IsDecided(MessageEventKind kind, string? reason) => kind switch
    {
        MessageEventKind.Sent or MessageEventKind.Failed => true,
        MessageEventKind.Skipped => reason is null || !NotDue.Contains(reason),
        _ => false,
    };

    /// <summary>The step was held out: the customer is in the flow's control group.</summary>
    public static bool IsHoldout(MessageEventKind kind, string? reason) => kind == MessageEventKind.Skipped && reason == SkipReason.Holdout;
}
