namespace Orleans.Recovery.Ledger;

/// <summary>The follow-ups waiting to go out, across the cluster, for the pending gauge.</summary>
public sealed class PendingFollowUpsQuery(LedgerDatabase database)
{
    /// <summary>
    /// Follow-ups planned and not yet sent, failed or skipped, per flow, across the cluster: a step put off by quiet
    /// hours or the frequency cap is still pending.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, long>> PendingAsync(CancellationToken cancellationToken)
    {
        var pending = new Dictionary<string, long>();
        await database.ReadAsync($"""
            SELECT m.flow, COUNT(*) FROM recovery_messages m
            WHERE m.planned_at IS NOT NULL AND m.sent_at IS NULL AND m.decided_at IS NULL
              AND NOT EXISTS (SELECT 1 FROM recovery_message_events e WHERE e.message_id = m.message_id AND e.kind IN ('{LedgerMetric.Skipped}', '{LedgerMetric.Failed}'))
            GROUP BY m.flow
            """, _ => { }, reader => pending[reader.GetString(0)] = reader.Long(1), cancellationToken);
        return pending;
    }
}
