namespace Orleans.Recovery.Bench;

/// <summary>How big and how long each measurement is. Smoke only proves the harness runs; quick and full measure.</summary>
public sealed record BenchMode(
    string Name,
    TimeSpan Duration,
    int Connections,
    int Pending,
    int DueTogether,
    TimeSpan DeliveryTimeout,
    TimeSpan DueIn)
{
    public static readonly BenchMode Smoke = new("smoke", TimeSpan.FromSeconds(2), 8, 200, 100, TimeSpan.FromMinutes(3), TimeSpan.FromSeconds(25));
    public static readonly BenchMode Quick = new("quick", TimeSpan.FromSeconds(15), 32, 20_000, 2_000, TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(50));
    public static readonly BenchMode Full = new("full", TimeSpan.FromSeconds(30), 32, 100_000, 10_000, TimeSpan.FromMinutes(15), TimeSpan.FromSeconds(100));

    /// <summary>The scale-out run's rate and durations (<c>--only cluster</c>).</summary>
    public ClusterLoad Cluster => ClusterLoad.For(Name);

    public static BenchMode Parse(string name) => name switch
    {
        "smoke" => Smoke,
        "quick" => Quick,
        "full" => Full,
        _ => throw new ArgumentException($"--mode is '{name}'; it must be smoke, quick or full."),
    };
}
