using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Orleans.Recovery.Flows;

/// <summary>
/// This silo's copy of every flow's definition, so no snapshot or tick calls the one flow grain. The copy watches each
/// flow grain, which tells it of a change before re-timing anything; the watch is renewed every minute, and a change it
/// missed (its flow grain moved to another silo) is read then.
/// </summary>
public sealed partial class FlowCatalog(IGrainFactory grains, ILogger<FlowCatalog> logger) : IFlowObserver, IDisposable
{
    /// <summary>Well inside the flow grain's three minutes, so a watch never lapses while the silo runs.</summary>
    private static readonly TimeSpan Renewal = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, FlowSettings> _flows = new();
    private readonly Lock _starting = new();
    private IFlowObserver? _self;
    private Timer? _renewal;

    public async ValueTask<FlowDefinition> GetAsync(string flow)
    {
        if (_flows.TryGetValue(flow, out var known))
        {
            return known.Definition;
        }

        return Keep(await grains.GetGrain<IFlowGrain>(flow).WatchAsync(await SelfAsync())).Definition;
    }

    /// <summary>Called by a flow grain when its definition changed.</summary>
    public void Changed(FlowSettings settings) => Keep(settings);

    public void Dispose() => _renewal?.Dispose();

    private FlowSettings Keep(FlowSettings settings) =>
        _flows.AddOrUpdate(settings.Flow, settings, (_, known) => settings.Version >= known.Version ? settings : known);

    /// <summary>This cache as a grain observer, created on first use, off the calling grain's turn: a grain may not create one.</summary>
    private async ValueTask<IFlowObserver> SelfAsync()
    {
        if (_self is { } self)
        {
            return self;
        }

        var created = await Task.Run(() => grains.CreateObjectReference<IFlowObserver>(this));
        lock (_starting)
        {
            if (_self is null)
            {
                _self = created;
                _renewal = new Timer(_ => _ = RenewAsync(), null, Renewal, Renewal);
            }

            return _self;
        }
    }

    private async Task RenewAsync()
    {
        foreach (var flow in _flows.Keys)
        {
            try
            {
                Keep(await grains.GetGrain<IFlowGrain>(flow).WatchAsync(_self!));
            }
            catch (Exception exception)
            {
                // The copy stays as it is until the next renewal reaches the flow grain.
                LogRenewalFailed(exception, flow);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Flow {Flow}: this silo's copy could not renew its watch; it keeps the definition it has")]
    private partial void LogRenewalFailed(Exception exception, string flow);
}
