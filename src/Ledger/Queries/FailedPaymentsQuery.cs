using Microsoft.Extensions.Options;
using static Orleans.Recovery.Ledger.LedgerColumns;

namespace Orleans.Recovery.Ledger;

/// <summary>One failed payment in the incomplete-payments report.</summary>
public sealed record FailedPayment(
    string OrderId,
    string Reason,
    DateTimeOffset FailedAt,
    string Status,
    int RemindersSent,
    decimal Total,
    string Currency,
    DateTimeOffset? PaidAt,
    string? RecoveredBy);

/// <summary>The incomplete-payments report: orders whose payment failed, and what became of each.</summary>
public sealed class FailedPaymentsQuery(LedgerDatabase database, IOptionsMonitor<LeadOptions> leads)
{
    /// <summary>Orders whose payment failed in the period, newest first, with what became of each.</summary>
    public async Task<IReadOnlyList<FailedPayment>> FailedPaymentsAsync(DateOnly from, DateOnly to, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var payments = new List<FailedPayment>();
        await database.ReadAsync($"""
            SELECT o.order_id, o.decline_reason, o.payment_failed_at, o.currency, o.total, o.paid_at, a.message_id,
                   (SELECT COUNT(*) FROM recovery_messages m
                    WHERE m.owner_kind = '{LedgerOwner.Order}' AND m.owner_id = o.order_id AND m.flow = '{FlowNames.IncompletePayment}' AND m.sent_at IS NOT NULL),
                   CASE WHEN o.paid_at IS NOT NULL THEN '{LeadStatus.Recovered}'
                        WHEN c.unsubscribed_at IS NOT NULL THEN '{LeadStatus.Unsubscribed}'
                        WHEN o.cancelled_at IS NOT NULL OR (l.finished_at IS NOT NULL AND l.finished_at <= @lostBefore) THEN '{LeadStatus.Lost}'
                        ELSE '{LeadStatus.Open}' END
            FROM recovery_orders o
            LEFT JOIN recovery_attributions a ON a.order_id = o.order_id AND a.flow = '{FlowNames.IncompletePayment}'
            LEFT JOIN recovery_leads l ON l.type = '{Lead.PaymentType}' AND l.id = o.order_id
            LEFT JOIN recovery_customers c ON c.customer_key = o.customer_key
            WHERE o.payment_failed_at >= @from AND o.payment_failed_at < @to
            ORDER BY o.payment_failed_at DESC, o.order_id
            """, command => command.With("from", LedgerDays.StartMs(from)).With("to", LedgerDays.StartMs(to.AddDays(1)))
            .With("lostBefore", (now - leads.CurrentValue.LostAfter).ToUnixTimeMilliseconds()),
            reader => payments.Add(new FailedPayment(
                reader.GetString(0), reader.TextOrNull(1) ?? "other", Time(reader.GetInt64(2)), reader.GetString(8), reader.Int(7),
                Amount(reader.GetInt64(4)), reader.GetString(3), reader.TimeOrNull(5), reader.TextOrNull(6))),
            cancellationToken);
        return payments;
    }
}
