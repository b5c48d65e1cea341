namespace Orleans.Recovery.Customers;

/// <summary>
/// What a shopper chose on the unsubscribe page, or by their mail client's one-click unsubscribe, and why: kept on the
/// customer for the operator's view. The newest <see cref="Kept"/> are kept.
/// </summary>
[GenerateSerializer, Immutable, Alias("preference-choice")]
public sealed record PreferenceChoice(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] string Scope,
    [property: Id(2)] string? CartId,
    [property: Id(3)] string? Reason,
    [property: Id(4)] string Via)
{
    public const int Kept = 20;

    /// <summary>No more marketing email of any kind: RFC 8058's one-click always means this.</summary>
    public const string AllMarketing = "all-marketing";

    /// <summary>No more reminders about one cart; later carts and other mail go on.</summary>
    public const string ThisCart = "this-cart";

    public const string ViaPage = "page";
    public const string ViaOneClick = "one-click";

    /// <summary>The reasons the page offers; anything else is recorded as none.</summary>
    public static readonly IReadOnlyList<string> Reasons = ["too-many", "not-interested", "bought-elsewhere", "never-asked", "other"];

    public bool StopsAllMarketing => Scope == AllMarketing;
}
