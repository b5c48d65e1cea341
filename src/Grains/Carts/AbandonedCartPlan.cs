using Orleans.Recovery.Flows;
using Orleans.Recovery.FollowUps;
using Orleans.Recovery.Ledger;

namespace Orleans.Recovery.Carts;

/// <summary>
/// The abandoned-cart flow: steps in order, the first counted from the shopper's last activity, each later one from
/// the step before it. Activity re-times the next unsent step with its whole delay from then.
/// </summary>
public sealed class AbandonedCartPlan : IFollowUpPlan
{
    public static readonly AbandonedCartPlan Instance = new();

    public string Flow => FlowNames.CartAbandonment;

    /// <summary>The message id of step <paramref name="index"/> (from 0), stable across retries, ticks and restarts.</summary>
    public static string MessageId(string cartId, int index) =>
        new FollowUpId(cartId, FlowNames.CartAbandonment, (index + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)).ToString();

    /// <summary>The step number (from 1) a cart message id names, or null for an id that is not one.</summary>
    public static int? StepOf(string messageId) =>
        FollowUpId.Parse(messageId) is { Cart: not null } id && int.TryParse(id.Step, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var step) ? step : null;

    /// <summary>Step <paramref name="index"/> timed from the shopper's activity at <paramref name="at"/>; null past the last step.</summary>
    public FollowUp? OnActivity(string cartId, int index, DateTimeOffset at, FlowDefinition definition) =>
        Step(cartId, index, at, fromTrigger: true, definition);

    public FlowStep? StepOf(FollowUp message, FlowDefinition? definition) => definition?.StepNumbered(message.StepNumber);

    public DateTimeOffset DueOn(FollowUp message, FlowDefinition definition)
    {
        var index = message.StepNumber - 1;
        return index >= definition.Steps.Count || message.TimedFrom is not { } from
            ? message.DueAt
            : from + (message.FromTrigger ? definition.Steps[index].Delay : definition.GapBefore(index));
    }

    public FollowUp? After(FollowUp done, DateTimeOffset from, FlowDefinition definition) =>
        FollowUpId.Parse(done.MessageId)?.Cart is { } cartId ? Step(cartId, done.StepNumber, from, fromTrigger: false, definition) : null;

    private static FollowUp? Step(string cartId, int index, DateTimeOffset from, bool fromTrigger, FlowDefinition definition) =>
        index >= definition.Steps.Count ? null : new FollowUp
        {
            MessageId = MessageId(cartId, index),
            Flow = FlowNames.CartAbandonment,
            Step = definition.Steps[index].Name,
            StepNumber = index + 1,
            DueAt = from + (fromTrigger ? definition.Steps[index].Delay : definition.GapBefore(index)),
            TimedFrom = from,
            FromTrigger = fromTrigger,
            Marketing = true,
        };
}
