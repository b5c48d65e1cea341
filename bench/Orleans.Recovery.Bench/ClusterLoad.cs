namespace Orleans.Recovery.Bench;

/// <summary>
/// The scale-out run's sizes: the silo counts compared, one fixed offered rate for all of them (below what one core
/// of silos takes at the largest count, so every configuration does the same work), and how long each part lasts.
/// </summary>
/// <param name="Silos">The silo counts compared, each on a fresh database.</param>
/// <param name="EventsPerSecond">New carts offered per second, on a fixed schedule whatever the answers.</param>
/// <param name="WarmUp">Load before the measured window: JIT, pools, the first deliveries under way.</param>
/// <param name="Window">The measured window, in the steady state of snapshots and deliveries.</param>
/// <param name="FirstStepDelay">When each cart's first follow-up falls due; every event is also one email.</param>
/// <param name="FailoverSilos">The silo count whose run goes on with a silo killed and a rolling restart.</param>
/// <param name="FailoverPause">Load between the disturbances: after the kill, after its restart, after each restarted silo.</param>
/// <param name="DeliveryTimeout">How long the last reported cart may wait for its email before it counts as lost.</param>
public sealed record ClusterLoad(
    IReadOnlyList<int> Silos,
    double EventsPerSecond,
    TimeSpan WarmUp,
    TimeSpan Window,
    TimeSpan FirstStepDelay,
    int FailoverSilos,
    TimeSpan FailoverPause,
    TimeSpan DeliveryTimeout)
{
    public static ClusterLoad For(string mode) => mode switch
    {
        // Proves only that each figure is written. The failover dominates it: a reminder due while its owner changes
        // waits for its next one-minute tick, so the last email comes about a minute after the last restart.
        "smoke" => new([1, 2], 20, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(2), 2, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(3)),
        "quick" => new([1, 2, 4], 25, TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(3), 4, TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(4)),
        "full" => new([1, 2, 4], 25, TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(3), 4, TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(5)),
        _ => throw new ArgumentException($"No cluster load for mode '{mode}'."),
    };
}
