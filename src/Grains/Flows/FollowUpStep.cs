namespace Orleans.Recovery.Flows;

/// <summary>One step of a flow: how long after the last activity it is due.</summary>
public sealed class FollowUpStep
{
    public TimeSpan Delay { get; set; }
}
