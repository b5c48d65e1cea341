using Microsoft.Extensions.Logging;
using Orleans.Recovery.Carts;
using Orleans.Recovery.Orders;
using Orleans.Recovery.Ledger;
using Orleans.Recovery.Flows;

namespace Orleans.Recovery.FollowUps;

/// <summary>
/// Finds every cart or order with a follow-up of a flow still pending, through the reminder each one holds, and has
/// it re-time its unsent steps on the flow's new definition. Without this a shorter delay would wait for the old,
/// longer one to run out, because a grain only wakes when its reminder is due.
/// </summary>
public sealed partial class PendingFollowUps(IReminderTable reminders, IGrainFactory grains, ILogger<PendingFollowUps> logger)
{
    /// <summary>Grains re-timed at once: enough to finish a large sweep quickly without crowding out live traffic.</summary>
    private const int Parallelism = 8;

    /// <summary>Returns how many grains were asked, and how many of them could not be reached.</summary>
    public async Task<(int Pending, int Failed)> RetimeAsync(string flow, FlowDefinition definition, CancellationToken cancellation)
    {
        var reminderName = flow == FlowNames.CartAbandonment ? CartGrain.ReminderName : OrderGrain.ReminderName;

        // begin == end reads the whole ring. Narrower slices would need Orleans' unsigned hash order and the database's
        // signed one to agree on the bounds; one read of rows this small is cheaper than getting that wrong.
        var rows = await reminders.ReadRows(0, 0, cancellation);
        var pending = rows.Reminders.Where(row => row.ReminderName == reminderName).Select(row => row.GrainId).Distinct().ToList();
        var failed = 0;
        await Parallel.ForEachAsync(pending, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellation }, async (grainId, _) =>
        {
            try
            {
                await grains.GetGrain<IFollowUpGrain>(grainId).RetimeAsync(flow, definition);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // Not lost: the grain re-times on the current definition when its reminder next wakes it.
                Interlocked.Increment(ref failed);
                LogRetimeFailed(exception, flow);
            }
        });

        return (pending.Count, failed);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Flow {Flow}: a grain with pending follow-ups could not be re-timed now; it will be when it next wakes")]
    private partial void LogRetimeFailed(Exception exception, string flow);
}
