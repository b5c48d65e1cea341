namespace Orleans.Recovery.Ledger;

/// <summary>The flows the engine runs, by the name that appears in message ids, URLs and the message log.</summary>
public static class FlowNames
{
    public const string CartAbandonment = "cart-abandonment";
    public const string IncompletePayment = "incomplete-payment";
    public const string PostPurchase = "post-purchase";

    public static readonly IReadOnlyList<string> All = [CartAbandonment, IncompletePayment, PostPurchase];

    /// <summary>
    /// The flow's canonical name from how an operator may write it: <c>cart-abandonment</c> or the configuration
    /// section's <c>CartAbandonment</c>, in any case. Null for a flow we do not run.
    /// </summary>
    public static string? Parse(string? name) => name?.Replace("-", "", StringComparison.Ordinal).ToLowerInvariant() switch
    {
        "cartabandonment" => CartAbandonment,
        "incompletepayment" => IncompletePayment,
        "postpurchase" => PostPurchase,
        _ => null,
    };

    /// <summary>The configuration section of a flow: <c>Recovery:Flows:CartAbandonment</c>.</summary>
    public static string ConfigurationName(string flow) => flow switch
    {
        CartAbandonment => "CartAbandonment",
        IncompletePayment => "IncompletePayment",
        PostPurchase => "PostPurchase",
        _ => throw new ArgumentOutOfRangeException(nameof(flow), flow, "Not a flow."),
    };
}

/// <summary>The steps of the post-purchase flow. Each is sent on its own event, except the review request, which waits.</summary>
public static class PostPurchaseSteps
{
    public const string Confirmation = "confirmation";
    public const string Shipment = "shipment";
    public const string Delay = "delay";
    public const string Delivered = "delivered";
    public const string ReviewRequest = "review-request";

    public static readonly IReadOnlyList<string> All = [Confirmation, Shipment, Delay, Delivered, ReviewRequest];

    /// <summary>The step's place in the flow, from 1.</summary>
    public static int Number(string step) => All.Select((name, index) => (name, index)).First(pair => pair.name == step).index + 1;

    /// <summary>Order, shipment, delay and delivered notices are about a purchase: transactional, never marketing.</summary>
    public static bool IsMarketing(string step) => step == ReviewRequest;
}
