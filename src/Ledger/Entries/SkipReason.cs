namespace Orleans.Recovery.Ledger;

/// <summary>Machine-readable reasons a message was not sent, as the operator sees them in the log.</summary>
public static class SkipReason
{
    public const string Purchased = "purchased";
    public const string Unsubscribed = "unsubscribed";

    /// <summary>The shopper asked, on the unsubscribe page, for no more reminders about this cart only.</summary>
    public const string UnsubscribedCart = "unsubscribed-cart";
    public const string CartDeleted = "cart-deleted";
    public const string CartEmptied = "cart-emptied";
    public const string Expired = "expired";
    public const string InvalidAddress = "invalid-address";
    public const string Rejected = "rejected";
    public const string TransientFailure = "transient-failure";
    public const string QuietHours = "quiet-hours-deferred";
    public const string FrequencyCapped = "frequency-capped";
    public const string PaymentSucceeded = "payment-succeeded";
    public const string OrderCancelled = "order-cancelled";
    public const string StepRemoved = "step-removed";

    /// <summary>The customer is in the flow's control group: the step would have gone out now.</summary>
    public const string Holdout = "holdout";

    /// <summary>The message's template could not render it; the operator must fix the template.</summary>
    public const string TemplateError = "template-error";

    /// <summary>The operator erased the customer's data: nothing more goes to them, ever.</summary>
    public const string Erased = "erased";

    /// <summary>A payment failure reported after the order was paid: too late to start reminders.</summary>
    public const string AlreadyPaid = "already-paid";

    /// <summary>Marketing mail needs a recorded consent (<c>Recovery:Consent:Mode</c>) and this shopper gave none.</summary>
    public const string NoConsent = "no-consent";

    /// <summary>The address is suppressed by what came back from it: a hard bounce, a complaint, too many soft bounces.</summary>
    public const string Suppressed = "suppressed";

    /// <summary>Causes of a suppression, as the customer lookup shows them.</summary>
    public const string HardBounce = "hard-bounce";
    public const string Complaint = "complaint";
    public const string SoftBounces = "soft-bounces";
}
