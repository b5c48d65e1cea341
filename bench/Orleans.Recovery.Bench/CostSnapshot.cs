using System.Diagnostics;

namespace Orleans.Recovery.Bench;

/// <summary>Everything a cluster has spent so far, read at one instant: the difference of two is the cost of the window between.</summary>
public sealed record CostSnapshot(long At, ClusterCpu Cpu, Dictionary<string, long> Statements, SiloMessages Messages)
{
    public static async Task<CostSnapshot> TakeAsync(ClusterNodes nodes, string database, int? postmaster, HttpClient scraper)
    {
        var at = Stopwatch.GetTimestamp();
        var (silos, api) = nodes.CpuTime();
        var cpu = new ClusterCpu(silos, api, postmaster is { } root ? ProcessCpu.OfTree(root) : null);
        var statements = StatementKinds.CountAsync(database);
        var messages = nodes.MessagesAsync(scraper);
        return new CostSnapshot(at, cpu, await statements, await messages);
    }
}

/// <summary>CPU time of the silos together, of the API, and of the PostgreSQL server when it is the bench's own.</summary>
public sealed record ClusterCpu(TimeSpan Silos, TimeSpan Api, TimeSpan? Database)
{
    public static ClusterCpu operator -(ClusterCpu a, ClusterCpu b) => new(a.Silos - b.Silos, a.Api - b.Api, a.Database - b.Database);
}
