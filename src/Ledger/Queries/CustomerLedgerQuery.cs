using static Orleans.Recovery.Ledger.LedgerColumns;

namespace Orleans.Recovery.Ledger;

/// <summary>One event of a message, as the ledger recorded it.</summary>
public sealed record MessageEventView(string Kind, DateTimeOffset At, string? Reason);

/// <summary>A message to one customer, with every event the ledger has of it.</summary>
public sealed record CustomerMessage(
    string MessageId,
    string OwnerKind,
    string OwnerId,
    string Flow,
    int Step,
    bool Marketing,
    string? Variant,
    string? CouponCode,
    DateTimeOffset? PlannedAt,
    DateTimeOffset? SentAt,
    DateTimeOffset? FirstClickedAt,
    IReadOnlyList<MessageEventView> Events);

/// <summary>What the ledger holds on one customer.</summary>
public sealed record CustomerLedger(
    IReadOnlyList<string> CartIds,
    IReadOnlyList<string> OrderIds,
    IReadOnlyList<string> CouponCodes,
    IReadOnlyList<CustomerMessage> Messages,
    IReadOnlyList<LeadView> Leads,
    DateTimeOffset? UnsubscribedAt,
    DateTimeOffset? ErasedAt);

/// <summary>Everything the ledger holds on one customer: for their export, and to find what an erase must reach.</summary>
public sealed class CustomerLedgerQuery(LedgerDatabase database, LeadListQuery leadList)
{
    /// <summary>
    /// Everything the ledger holds on one customer, for an export and to find what an erase must reach: their carts,
    /// orders and coupons, every message with its events, and their leads.
    /// </summary>
    public async Task<CustomerLedger> CustomerAsync(string customerKey, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var messages = new List<CustomerMessage>();
        await database.ReadAsync("""
            SELECT message_id, owner_kind, owner_id, flow, step, marketing, variant, coupon_code, planned_at, sent_at, first_clicked_at
            FROM recovery_messages WHERE customer_key = @key ORDER BY COALESCE(planned_at, sent_at, decided_at), message_id
            """, command => command.With("key", customerKey), reader => messages.Add(new CustomerMessage(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.Int(4),
                reader.Int(5) == 1, reader.TextOrNull(6), reader.TextOrNull(7), reader.TimeOrNull(8), reader.TimeOrNull(9),
                reader.TimeOrNull(10), [])), cancellationToken);
        var events = new List<(string MessageId, MessageEventView Event)>();
        await database.ReadAsync("""
            SELECT e.message_id, e.kind, e.at, e.reason FROM recovery_message_events e
            WHERE e.message_id IN (SELECT message_id FROM recovery_messages WHERE customer_key = @key) ORDER BY e.at, e.kind
            """, command => command.With("key", customerKey),
            reader => events.Add((reader.GetString(0), new MessageEventView(reader.GetString(1), Time(reader.GetInt64(2)), reader.TextOrNull(3)))), cancellationToken);
        var orders = new List<string>();
        var coupons = messages.Select(message => message.CouponCode).OfType<string>().ToList();
        await database.ReadAsync("SELECT order_id, coupon_code FROM recovery_orders WHERE customer_key = @key ORDER BY placed_at, order_id",
            command => command.With("key", customerKey), reader =>
            {
                orders.Add(reader.GetString(0));
                if (reader.TextOrNull(1) is { } code)
                {
                    coupons.Add(code);
                }
            }, cancellationToken);
        (DateTimeOffset? Unsubscribed, DateTimeOffset? Erased) customer = default;
        await database.ReadAsync("SELECT unsubscribed_at, erased_at FROM recovery_customers WHERE customer_key = @key",
            command => command.With("key", customerKey), reader => customer = (reader.TimeOrNull(0), reader.TimeOrNull(1)), cancellationToken);
        var leads = await leadList.LeadsAsync(new LeadQuery(DateOnly.MinValue.AddDays(1), DateOnly.MaxValue.AddDays(-1), null, null, 0, null, customerKey), now, cancellationToken)
            .ToListAsync(cancellationToken);

        var byMessage = events.ToLookup(e => e.MessageId, e => e.Event);
        return new CustomerLedger(
            [.. messages.Where(m => m.OwnerKind == LedgerOwner.Cart).Select(m => m.OwnerId).Distinct()],
            [.. orders.Union(messages.Where(m => m.OwnerKind == LedgerOwner.Order).Select(m => m.OwnerId))],
            [.. coupons.Distinct()],
            [.. messages.Select(m => m with { Events = [.. byMessage[m.MessageId]] })],
            leads,
            customer.Unsubscribed,
            customer.Erased);
    }
}
