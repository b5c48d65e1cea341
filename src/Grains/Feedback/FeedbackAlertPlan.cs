using Orleans.Recovery.Flows;
using Orleans.Recovery.FollowUps;
using Orleans.Recovery.Orders;
using Orleans.Recovery.Ledger;

namespace Orleans.Recovery.Feedback;

/// <summary>
/// The alerts a low rating raises: an email to the shop's support address and, when configured, its webhook. Not a
/// flow an operator edits, so never re-timed and never expired. One of each per order, whatever the ratings.
/// </summary>
public sealed class FeedbackAlertPlan : IFollowUpPlan
{
    public const string Name = "feedback";
    public const string Email = "feedback-alert";
    public const string Webhook = "feedback-webhook";
    public const string Template = "feedback-alert";

    public static readonly FeedbackAlertPlan Instance = new();

    public string? Flow => null;

    /// <summary>The alert of <paramref name="orderId"/> to <paramref name="to"/>. Its id is the one alerts always had, so an order alerted before still is not alerted again.</summary>
    public static FollowUp Alert(string orderId, Recipient to, DateTimeOffset now) => new()
    {
        MessageId = OrderMessages.Id(orderId, FlowNames.PostPurchase, to == Recipient.Webhook ? Webhook : Email),
        Flow = Name,
        Step = to == Recipient.Webhook ? Webhook : Email,
        StepNumber = to == Recipient.Webhook ? 2 : 1,
        DueAt = now,
        To = to,
    };

    public FlowStep? StepOf(FollowUp message, FlowDefinition? definition) => new() { Name = message.Step, Template = Template };

    public DateTimeOffset DueOn(FollowUp message, FlowDefinition definition) => message.DueAt;

    public FollowUp? After(FollowUp done, DateTimeOffset from, FlowDefinition definition) => null;
}
