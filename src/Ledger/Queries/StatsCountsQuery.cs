using static Orleans.Recovery.Ledger.LedgerColumns;

namespace Orleans.Recovery.Ledger;

/// <summary>The daily counts of a period, summed: what the stats and the sender's reputation are made of.</summary>
public sealed class StatsCountsQuery(LedgerDatabase database)
{
    /// <summary>The daily counts from <paramref name="from"/> to <paramref name="to"/> (UTC days, both included), summed per flow, step, variant and metric.</summary>
    public async Task<IReadOnlyList<CountRow>> CountsAsync(DateOnly from, DateOnly to, string? flow, CancellationToken cancellationToken)
    {
        var rows = new List<CountRow>();
        await database.ReadAsync($"""
            SELECT flow, step, variant, metric, detail, SUM(count), SUM(amount) FROM recovery_daily
            WHERE day >= @from AND day <= @to{(flow is null ? "" : " AND flow = @flow")}
            GROUP BY flow, step, variant, metric, detail
            """, command => command.With("from", LedgerDays.Of(from)).With("to", LedgerDays.Of(to)).With("flow", flow),
            reader => rows.Add(new CountRow(reader.GetString(0), reader.Int(1), reader.GetString(2), reader.GetString(3),
                reader.GetString(4), reader.Long(5), Amount(reader.Long(6)))),
            cancellationToken);
        return rows;
    }
}
