using Orleans.Concurrency;

namespace Orleans.Recovery.Flows;

/// <summary>
/// The flow a cart or order runs, keyed by the flow's name. It holds the operator's replacement, if any, so every
/// silo runs the same definition; without one, the configured definition applies.
/// </summary>
public interface IFlowGrain : IGrainWithStringKey
{
    /// <summary>The definition in force, and where it came from.</summary>
    [ReadOnly]
    Task<FlowSettings> GetAsync();

    /// <summary>
    /// The definition in force; <paramref name="observer"/> is told of every change for the next few minutes, so a
    /// silo's cache renews its watch more often than that.
    /// </summary>
    Task<FlowSettings> WatchAsync(IFlowObserver observer);

    /// <summary>Replaces the definition, unless it breaks a rule: then nothing changes and the problems are returned.</summary>
    Task<IReadOnlyList<FlowProblem>> ReplaceAsync(FlowDefinition definition);

    /// <summary>Drops the operator's replacement, so the configured definition applies again.</summary>
    Task ResetAsync();
}

/// <summary>Who set the definition in force.</summary>
public enum FlowSource
{
    Configuration,
    Operator,
}

[GenerateSerializer, Immutable, Alias("flow-settings")]
public sealed record FlowSettings(
    [property: Id(0)] string Flow,
    [property: Id(1)] FlowDefinition Definition,
    [property: Id(2)] FlowSource Source,
    [property: Id(3)] DateTimeOffset? ChangedAt)
{
    /// <summary>Grows with every change, a reset included, so a cache keeps the newest definition it was told of.</summary>
    [Id(4)] public long Version { get; init; }
}

/// <summary>A silo's cache of flow definitions, told by a flow grain when its definition changes.</summary>
public interface IFlowObserver : IGrainObserver
{
    void Changed(FlowSettings settings);
}

[GenerateSerializer, Alias("flow-state")]
public sealed class FlowState
{
    [Id(0)] public FlowDefinition? Replacement { get; set; }
    [Id(1)] public DateTimeOffset? ChangedAt { get; set; }

    /// <summary>
    /// Counts the changes, stored with them: a silo's clock may run behind another's, so the time of a change cannot
    /// order it. A flow changed before the counter existed carries on from the ticks of its last change.
    /// </summary>
    [Id(2)] public long Version { get; set; }

    /// <summary>The version the flow's settings carry: the stored count, or for a flow not changed since it existed, the ticks of the change.</summary>
    public long CurrentVersion => Version > 0 ? Version : ChangedAt?.UtcTicks ?? 0;

    /// <summary>Records a change at <paramref name="now"/>, one version above the last whatever the clocks say.</summary>
    public void Changed(DateTimeOffset now)
    {
        Version = CurrentVersion + 1;
        ChangedAt = now;
    }
}
