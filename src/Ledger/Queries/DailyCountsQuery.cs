using static Orleans.Recovery.Ledger.LedgerColumns;

namespace Orleans.Recovery.Ledger;

/// <summary>The chart's figures: the daily counts of a period, day by day, for the flows' steps.</summary>
public sealed class DailyCountsQuery(LedgerDatabase database)
{
    /// <summary>Sends, unique clicks, recoveries and revenue per UTC day, for the chart.</summary>
    public async Task<IReadOnlyList<(DateOnly Day, CountRow Row)>> DailyAsync(DateOnly from, DateOnly to, string? flow, CancellationToken cancellationToken)
    {
        var rows = new List<(DateOnly, CountRow)>();
        await database.ReadAsync($"""
            SELECT day, metric, detail, SUM(count), SUM(amount) FROM recovery_daily
            WHERE day >= @from AND day <= @to AND step > 0
              AND metric IN ('{LedgerMetric.Sent}', '{LedgerMetric.Clicked}', '{LedgerMetric.Recovered}', '{LedgerMetric.Revenue}'){(flow is null ? "" : " AND flow = @flow")}
            GROUP BY day, metric, detail
            """, command => command.With("from", LedgerDays.Of(from)).With("to", LedgerDays.Of(to)).With("flow", flow),
            reader => rows.Add((LedgerDays.Date(reader.Long(0)), new CountRow(flow ?? "", 0, "", reader.GetString(1), reader.GetString(2),
                reader.Long(3), Amount(reader.Long(4))))),
            cancellationToken);
        return rows;
    }
}
