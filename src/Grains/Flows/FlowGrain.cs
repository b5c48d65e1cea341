using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Recovery.Mail;

namespace Orleans.Recovery.Flows;

/// <summary>One flow's definition. A change applies to every step not yet sent, because carts and orders read it at send time.</summary>
public sealed partial class FlowGrain(
    [PersistentState("flow", RecoveryStorage.Name)] IPersistentState<FlowState> flow,
    IOptionsMonitor<FlowsOptions> configured,
    MailTemplates templates,
    TimeProvider clock,
    ILogger<FlowGrain> logger) : Grain, IFlowGrain
{
    private string Name => this.GetPrimaryKeyString();

    public Task<FlowSettings> GetAsync() => Task.FromResult(flow.State.Replacement is { } replacement
        ? new FlowSettings(Name, replacement, FlowSource.Operator, flow.State.ChangedAt)
        : new FlowSettings(Name, configured.CurrentValue.For(Name), FlowSource.Configuration, null));

    public async Task<IReadOnlyList<FlowProblem>> ReplaceAsync(FlowDefinition definition)
    {
        var problems = FlowRules.Validate(Name, definition, templates.Exists);
        if (problems.Count > 0)
        {
            return problems;
        }

        flow.State.Replacement = definition;
        flow.State.ChangedAt = clock.GetUtcNow();
        await flow.WriteStateAsync();
        LogReplaced(Name, definition.Steps.Count);
        return [];
    }

    public async Task ResetAsync()
    {
        flow.State.Replacement = null;
        flow.State.ChangedAt = clock.GetUtcNow();
        await flow.WriteStateAsync();
        LogReset(Name);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Flow {Flow} replaced by the operator: {Steps} steps")]
    private partial void LogReplaced(string flow, int steps);

    [LoggerMessage(Level = LogLevel.Information, Message = "Flow {Flow} reset to its configured definition")]
    private partial void LogReset(string flow);
}
