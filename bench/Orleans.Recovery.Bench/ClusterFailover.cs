using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace Orleans.Recovery.Bench;

/// <summary>
/// Disturbs a loaded cluster as operations do: one silo killed with SIGKILL and started again a little later, then a
/// rolling restart (SIGTERM each silo in turn, start it again, wait until it has joined). The load goes on throughout.
/// </summary>
public sealed class ClusterFailover(ClusterLoad load, Action<string> report)
{
    private static readonly TimeSpan GracefulStopTimeout = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan JoinTimeout = TimeSpan.FromMinutes(2);

    public async Task<Disturbance> DisturbAsync(ClusterNodes nodes)
    {
        // The measured window's carts all fall due first, so none of them is counted late for the disturbance's sake.
        await Task.Delay(load.FirstStepDelay + load.FailoverPause);
        var start = Stopwatch.GetTimestamp();
        var victim = nodes.Silos[^1];
        await victim.KillAsync();
        var killed = Stopwatch.GetTimestamp();
        report($"failover: {victim.Name} killed with SIGKILL");
        await Task.Delay(load.FailoverPause);
        victim.Start();
        await victim.WaitUntilReadyAsync(JoinTimeout);

        // Ready means the new incarnation is active; the count means its killed self is no longer counted as active.
        await nodes.WaitForMembersAsync(nodes.Silos.Count);
        var rejoined = Stopwatch.GetElapsedTime(killed);
        report($"failover: {victim.Name} restarted; {rejoined.TotalSeconds:F1} s from the kill until it was active and its old self declared dead");
        await Task.Delay(load.FailoverPause);

        var rolling = Stopwatch.GetTimestamp();
        var stops = new List<double>();
        var forced = 0;
        foreach (var silo in nodes.Silos)
        {
            if (await silo.StopAsync(GracefulStopTimeout) is { } took)
            {
                stops.Add(took.TotalSeconds);
            }
            else
            {
                forced++;
                report($"failover: {silo.Name} did not exit within {GracefulStopTimeout} of SIGTERM and was killed; see {silo.Log}");
            }

            silo.Start();
            await silo.WaitUntilReadyAsync(JoinTimeout);
            await nodes.WaitForMembersAsync(nodes.Silos.Count);
            await Task.Delay(load.FailoverPause);
        }

        var end = Stopwatch.GetTimestamp();
        report($"failover: rolling restart of {nodes.Silos.Count} silos in {Stopwatch.GetElapsedTime(rolling, end).TotalSeconds:F0} s; graceful stops took up to {stops.DefaultIfEmpty().Max():F1} s");
        return new Disturbance(start, end, rejoined, Stopwatch.GetElapsedTime(rolling, end), stops.DefaultIfEmpty().Max(), forced);
    }

    /// <summary>
    /// How late each cart's first follow-up reached the relay: its acceptance minus the instant the engine says it
    /// was due (the cart's message log, read through the operator API). Exact, where the PUT's answer only bounds it.
    /// </summary>
    public static async Task<List<double>> LatenessAsync(Uri api, IReadOnlyList<string> carts, IReadOnlyDictionary<string, DateTimeOffset> accepted)
    {
        using var client = new HttpClient { BaseAddress = api, Timeout = TimeSpan.FromMinutes(1) };
        client.DefaultRequestHeaders.Authorization = new("Bearer", Product.OperatorKey);
        var lateness = new System.Collections.Concurrent.ConcurrentBag<double>();
        await Parallel.ForEachAsync(carts, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (id, cancellation) =>
        {
            // The settle after the send is written a moment after the relay accepted: read again until it is there.
            for (var attempt = 1; ; attempt++)
            {
                var view = await client.GetFromJsonAsync<JsonElement>($"/api/v1/carts/{id}", cancellation);
                var sent = view.GetProperty("messages").EnumerateArray()
                    .Where(m => m.GetProperty("step").GetInt32() == 1 && m.GetProperty("status").GetString() == "sent")
                    .Select(m => (DateTimeOffset?)m.GetProperty("dueAt").GetDateTimeOffset())
                    .FirstOrDefault();
                if (sent is { } due)
                {
                    lateness.Add((accepted[id] - due).TotalMilliseconds);
                    return;
                }

                if (attempt == 20)
                {
                    throw new InvalidOperationException($"Cart {id} was mailed but its message log shows no sent first step: {view}");
                }

                await Task.Delay(500, cancellation);
            }
        });
        return [.. lateness.Order()];
    }
}

/// <summary>What the disturbance did and when (Stopwatch ticks): the phase's bounds, the killed silo's way back, the rolling restart.</summary>
public sealed record Disturbance(long Start, long End, TimeSpan Rejoined, TimeSpan Rolling, double LongestGracefulStopSeconds, int ForcedStops);
