using Orleans.Recovery.Flows;

namespace Orleans.Recovery.FollowUps;

/// <summary>
/// A flow as the engine sees it: which step a message is, when a waiting one is due on the flow as it is now, and
/// what follows one that is done. Pure, so each flow's rules are tested without a cluster.
/// </summary>
public interface IFollowUpPlan
{
    /// <summary>
    /// The flow whose definition says this plan's delays, templates and expiry; null for messages no operator
    /// configures (alerts to the shop), which are never re-timed and never expire.
    /// </summary>
    string? Flow { get; }

    /// <summary>The step a message is, or null when the operator removed it from the definition.</summary>
    FlowStep? StepOf(FollowUp message, FlowDefinition? definition);

    /// <summary>When a waiting message is due on <paramref name="definition"/>; its current due time when its timing is not the flow's.</summary>
    DateTimeOffset DueOn(FollowUp message, FlowDefinition definition);

    /// <summary>The message that follows <paramref name="done"/> (sent, failed for good, or expired), counted from <paramref name="from"/>.</summary>
    FollowUp? After(FollowUp done, DateTimeOffset from, FlowDefinition definition);
}
