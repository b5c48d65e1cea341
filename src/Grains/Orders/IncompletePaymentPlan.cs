using System.Globalization;
using Orleans.Recovery.Flows;
using Orleans.Recovery.FollowUps;
using Orleans.Recovery.Ledger;

namespace Orleans.Recovery.Orders;

/// <summary>
/// The incomplete-payment flow: reminders after a failed payment, each spaced from the one before, until the order is
/// paid or cancelled. It starts once per order, and never for an order already paid or cancelled, whatever order the
/// storefront's events arrive in.
/// </summary>
public sealed class IncompletePaymentPlan : IFollowUpPlan
{
    public static readonly IncompletePaymentPlan Instance = new();

    public string Flow => FlowNames.IncompletePayment;

    public static string MessageId(string orderId, int index) =>
        OrderMessages.Id(orderId, FlowNames.IncompletePayment, (index + 1).ToString(CultureInfo.InvariantCulture));

    /// <summary>Why a payment failure reported now starts no reminders, or null when it starts them.</summary>
    public static string? WhyNotStart(DateTimeOffset? paidAt, DateTimeOffset? cancelledAt) =>
        cancelledAt is not null ? SkipReason.OrderCancelled : paidAt is not null ? SkipReason.AlreadyPaid : null;

    /// <summary>The first reminder after a payment failed at <paramref name="failedAt"/>; null for a flow with no steps.</summary>
    public FollowUp? Start(string orderId, DateTimeOffset failedAt, FlowDefinition definition) => Step(orderId, 0, failedAt, definition);

    public FlowStep? StepOf(FollowUp message, FlowDefinition? definition) => definition?.StepNumbered(message.StepNumber);

    public DateTimeOffset DueOn(FollowUp message, FlowDefinition definition) =>
        message.StepNumber - 1 < definition.Steps.Count && message.TimedFrom is { } from ? from + definition.GapBefore(message.StepNumber - 1) : message.DueAt;

    public FollowUp? After(FollowUp done, DateTimeOffset from, FlowDefinition definition) =>
        FollowUpId.Parse(done.MessageId)?.Order is { } orderId ? Step(orderId, done.StepNumber, from, definition) : null;

    private static FollowUp? Step(string orderId, int index, DateTimeOffset from, FlowDefinition definition) =>
        index >= definition.Steps.Count ? null : new FollowUp
        {
            MessageId = MessageId(orderId, index),
            Flow = FlowNames.IncompletePayment,
            Step = definition.Steps[index].Name,
            StepNumber = index + 1,
            DueAt = from + definition.GapBefore(index),
            TimedFrom = from,
            Marketing = true,
        };
}
