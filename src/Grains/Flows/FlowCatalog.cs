namespace Orleans.Recovery.Flows;

/// <summary>The definitions flows run on, as the follow-up engine reads them when it times and sends a step.</summary>
public sealed class FlowCatalog(IGrainFactory grains)
{
    public async Task<FlowDefinition> GetAsync(string flow) => (await grains.GetGrain<IFlowGrain>(flow).GetAsync()).Definition;
}
