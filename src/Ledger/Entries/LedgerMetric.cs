namespace Orleans.Recovery.Ledger;

/// <summary>
/// The metrics of the ledger's daily counts, by the name <c>recovery_daily.metric</c> keeps them. A message's events
/// are counted, and kept in <c>recovery_message_events.kind</c>, under the same names.
/// </summary>
/// <remarks>
/// A step's figures are counted under its number; the flow's own (its entries, their groups and conversions) under
/// step 0. Skips, deferrals, failures and bounces carry their reason as the count's detail; money, its currency.
/// </remarks>
public static class LedgerMetric
{
    public const string Planned = "planned";
    public const string Sent = "sent";
    public const string Deferred = "deferred";
    public const string Skipped = "skipped";
    public const string Failed = "failed";
    public const string Bounced = "bounced";
    public const string Complained = "complained";

    /// <summary>Unique clicks: a message counts once, on the day of its first click.</summary>
    public const string Clicked = "clicked";

    /// <summary>Carts and orders that entered the flow: its first step came due.</summary>
    public const string Entered = "entered";

    /// <summary>Orders credited to a step, on the day they were paid.</summary>
    public const string Recovered = "recovered";

    /// <summary>The credited orders' totals, per currency.</summary>
    public const string Revenue = "revenue";

    /// <summary>What our coupons took off the credited orders, per currency.</summary>
    public const string Discount = "discount";

    public const string TreatedEntered = HoldoutGroup.Treated + EnteredSuffix;
    public const string TreatedConverted = HoldoutGroup.Treated + ConvertedSuffix;
    public const string TreatedRevenue = HoldoutGroup.Treated + RevenueSuffix;
    public const string ControlEntered = HoldoutGroup.Control + EnteredSuffix;
    public const string ControlConverted = HoldoutGroup.Control + ConvertedSuffix;
    public const string ControlRevenue = HoldoutGroup.Control + RevenueSuffix;

    private const string EnteredSuffix = "_entered";
    private const string ConvertedSuffix = "_converted";
    private const string RevenueSuffix = "_revenue";

    /// <summary>The metric a message's event is counted under.</summary>
    public static string Of(MessageEventKind kind) => kind switch
    {
        MessageEventKind.Planned => Planned,
        MessageEventKind.Sent => Sent,
        MessageEventKind.Deferred => Deferred,
        MessageEventKind.Skipped => Skipped,
        MessageEventKind.Failed => Failed,
        MessageEventKind.Bounced => Bounced,
        MessageEventKind.Complained => Complained,
        _ => Clicked,
    };

    /// <summary>Entries of a holdout group (<see cref="HoldoutGroup"/>): <see cref="TreatedEntered"/> or <see cref="ControlEntered"/>.</summary>
    public static string EnteredIn(string group) => group + EnteredSuffix;

    /// <summary>Entries of a holdout group that converted: <see cref="TreatedConverted"/> or <see cref="ControlConverted"/>.</summary>
    public static string ConvertedIn(string group) => group + ConvertedSuffix;

    /// <summary>The revenue of a holdout group's conversions: <see cref="TreatedRevenue"/> or <see cref="ControlRevenue"/>.</summary>
    public static string RevenueIn(string group) => group + RevenueSuffix;
}

/// <summary>The holdout's groups, as an entry keeps its own (<c>recovery_entries.grp</c>).</summary>
public static class HoldoutGroup
{
    /// <summary>The flow's marketing steps go out.</summary>
    public const string Treated = "treated";

    /// <summary>The flow's marketing steps are held out, at the moments they would have gone.</summary>
    public const string Control = "control";
}
