using Orleans.Recovery.Flows;
using Orleans.Recovery.FollowUps;
using Orleans.Recovery.Ledger;

namespace Orleans.Recovery.Orders;

/// <summary>
/// The post-purchase flow: a notice as each event arrives (confirmation, shipment, delay, delivered), and the review
/// request its delay after delivery. Steps are found by name; nothing follows a notice.
/// </summary>
public sealed class PostPurchasePlan : IFollowUpPlan
{
    public static readonly PostPurchasePlan Instance = new();

    public string Flow => FlowNames.PostPurchase;

    /// <summary>A notice sent as its event arrives; <paramref name="about"/> names the shipment or delay it is about.</summary>
    public static FollowUp Notice(string orderId, string step, string? about, DateTimeOffset now) => new()
    {
        MessageId = OrderMessages.Id(orderId, FlowNames.PostPurchase, about is null ? step : $"{step}-{about}"),
        Flow = FlowNames.PostPurchase,
        Step = step,
        StepNumber = PostPurchaseSteps.Number(step),
        About = about,
        DueAt = now,
        Marketing = PostPurchaseSteps.IsMarketing(step),
    };

    /// <summary>The review request, its delay after delivery at <paramref name="deliveredAt"/>; null when the operator removed it.</summary>
    public static FollowUp? ReviewRequest(string orderId, DateTimeOffset deliveredAt, FlowDefinition definition)
    {
        if (definition.Step(PostPurchaseSteps.ReviewRequest) is not { } review)
        {
            return null;
        }

        var request = Notice(orderId, PostPurchaseSteps.ReviewRequest, null, deliveredAt + review.Delay);
        request.TimedFrom = deliveredAt;
        request.FromTrigger = true;
        return request;
    }

    public FlowStep? StepOf(FollowUp message, FlowDefinition? definition) => definition?.Step(message.Step);

    public DateTimeOffset DueOn(FollowUp message, FlowDefinition definition) =>
        message.TimedFrom is { } from && definition.Step(message.Step) is { } step ? from + step.Delay : message.DueAt;

    public FollowUp? After(FollowUp done, DateTimeOffset from, FlowDefinition definition) => null;
}
