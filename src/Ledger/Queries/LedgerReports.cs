using System.Collections.Immutable;
using System.Data.Common;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Orleans.Recovery.Ledger;

namespace Orleans.Recovery.Ledger;

/// <summary>What the leads list may filter on: created in the period, a type, a status, one customer; a page after a cursor.</summary>
public sealed record LeadQuery(DateOnly From, DateOnly To, string? Type, string? Status, int Limit, LeadCursor? After, string? CustomerKey = null);

/// <summary>Where a page of leads ended: the last lead's creation, type and id, newest first.</summary>
public sealed record LeadCursor(long CreatedAt, string Type, string Id);

/// <summary>An abandoned cart or a failed payment, as the leads list and its CSV show it.</summary>
public sealed record LeadView(
    string Type,
    string Id,
    string Email,
    string FirstName,
    string? LastName,
    string? Locale,
    string? Country,
    ImmutableArray<LeadItem> Items,
    decimal Total,
    string Currency,
    DateTimeOffset CreatedAt,
    DateTimeOffset LastActivityAt,
    int StepsSent,
    string? CouponCode,
    string Status,
    string? RecoveredOrderId,
    string? DeclineReason);

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

/// <summary>
/// The reports, read with SQL from the ledger's tables: the daily counts for stats, the leads, and the failed payments.
/// None of them asks a grain anything.
/// </summary>
public sealed class LedgerReports(LedgerDatabase database, IOptionsMonitor<LeadOptions> leads)
{
    public const string Open = "open";
    public const string Recovered = "recovered";
    public const string Lost = "lost";
    public const string Unsubscribed = "unsubscribed";

    public static readonly IReadOnlyList<string> Statuses = [Open, Recovered, Lost, Unsubscribed];

    private static readonly JsonSerializerOptions ItemsJson = new(JsonSerializerDefaults.Web);

    /// <summary>The daily counts from <paramref name="from"/> to <paramref name="to"/> (UTC days, both included), summed per flow, step, variant and metric.</summary>
    public async Task<IReadOnlyList<CountRow>> CountsAsync(DateOnly from, DateOnly to, string? flow, CancellationToken cancellationToken)
    {
        var rows = new List<CountRow>();
        await ReadAsync($"""
            SELECT flow, step, variant, metric, detail, SUM(count), SUM(amount) FROM recovery_daily
            WHERE day >= @from AND day <= @to{(flow is null ? "" : " AND flow = @flow")}
            GROUP BY flow, step, variant, metric, detail
            """, command => command.With("from", LedgerDays.Of(from)).With("to", LedgerDays.Of(to)).With("flow", flow),
            reader => rows.Add(new CountRow(reader.GetString(0), Convert.ToInt32(reader.GetValue(1)), reader.GetString(2), reader.GetString(3),
                reader.GetString(4), Convert.ToInt64(reader.GetValue(5)), LedgerColumns.Amount(Convert.ToInt64(reader.GetValue(6))))),
            cancellationToken);
        return rows;
    }

    /// <summary>Sends, unique clicks, recoveries and revenue per UTC day, for the chart.</summary>
    public async Task<IReadOnlyList<(DateOnly Day, CountRow Row)>> DailyAsync(DateOnly from, DateOnly to, string? flow, CancellationToken cancellationToken)
    {
        var rows = new List<(DateOnly, CountRow)>();
        await ReadAsync($"""
            SELECT day, metric, detail, SUM(count), SUM(amount) FROM recovery_daily
            WHERE day >= @from AND day <= @to AND step > 0 AND metric IN ('sent', 'clicked', 'recovered', 'revenue'){(flow is null ? "" : " AND flow = @flow")}
            GROUP BY day, metric, detail
            """, command => command.With("from", LedgerDays.Of(from)).With("to", LedgerDays.Of(to)).With("flow", flow),
            reader => rows.Add((LedgerDays.Date(Convert.ToInt64(reader.GetValue(0))), new CountRow(flow ?? "", 0, "", reader.GetString(1), reader.GetString(2),
                Convert.ToInt64(reader.GetValue(3)), LedgerColumns.Amount(Convert.ToInt64(reader.GetValue(4)))))),
            cancellationToken);
        return rows;
    }

    /// <summary>
    /// Abandoned carts and failed payments created in the period, newest first, a page at a time; without a limit,
    /// all of them, read one row at a time however many there are.
    /// </summary>
    public async IAsyncEnumerable<LeadView> LeadsAsync(LeadQuery query, DateTimeOffset now, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var status = StatusOf("l.outcome", "l.finished_at");
        var sql = $"""
            SELECT l.type, l.id, l.email, l.first_name, l.last_name, l.locale, l.country, l.items, l.total, l.currency, l.created_at,
                   l.last_activity_at, l.steps_sent, l.coupon_code, {status}, l.order_id, l.decline_reason
            FROM recovery_leads l LEFT JOIN recovery_customers c ON c.customer_key = l.customer_key
            WHERE l.created_at >= @from AND l.created_at < @to
            {(query.Type is null ? "" : "AND l.type = @type")}
            {(query.CustomerKey is null ? "" : "AND l.customer_key = @customerKey")}
            {(query.Status is null ? "" : $"AND {status} = @status")}
            {(query.After is null ? "" : "AND (l.created_at < @afterAt OR (l.created_at = @afterAt AND (l.type < @afterType OR (l.type = @afterType AND l.id < @afterId))))")}
            ORDER BY l.created_at DESC, l.type DESC, l.id DESC
            {(query.Limit > 0 ? "LIMIT @limit" : "")}
            """;
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = LedgerDatabase.Command(connection, null, sql)
            .With("from", LedgerDays.StartMs(query.From)).With("to", LedgerDays.StartMs(query.To.AddDays(1)))
            .With("type", query.Type).With("status", query.Status).With("limit", query.Limit).With("customerKey", query.CustomerKey)
            .With("afterAt", query.After?.CreatedAt).With("afterType", query.After?.Type).With("afterId", query.After?.Id)
            .With("lostBefore", (now - leads.CurrentValue.LostAfter).ToUnixTimeMilliseconds());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return new LeadView(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), Text(reader, 4), Text(reader, 5), Text(reader, 6),
                JsonSerializer.Deserialize<ImmutableArray<LeadItem>>(reader.GetString(7), ItemsJson), LedgerColumns.Amount(reader.GetInt64(8)),
                reader.GetString(9), Time(reader.GetInt64(10)), Time(reader.GetInt64(11)), Convert.ToInt32(reader.GetValue(12)), Text(reader, 13),
                reader.GetString(14), Text(reader, 15), Text(reader, 16));
        }
    }

    /// <summary>
    /// Follow-ups planned and not yet sent, failed or skipped, per flow, across the cluster: a step put off by quiet
    /// hours or the frequency cap is still pending.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, long>> PendingAsync(CancellationToken cancellationToken)
    {
        var pending = new Dictionary<string, long>();
        await ReadAsync("""
            SELECT m.flow, COUNT(*) FROM recovery_messages m
            WHERE m.planned_at IS NOT NULL AND m.sent_at IS NULL AND m.decided_at IS NULL
              AND NOT EXISTS (SELECT 1 FROM recovery_message_events e WHERE e.message_id = m.message_id AND e.kind IN ('skipped', 'failed'))
            GROUP BY m.flow
            """, _ => { }, reader => pending[reader.GetString(0)] = Convert.ToInt64(reader.GetValue(1)), cancellationToken);
        return pending;
    }

    /// <summary>Orders whose payment failed in the period, newest first, with what became of each.</summary>
    public async Task<IReadOnlyList<FailedPayment>> FailedPaymentsAsync(DateOnly from, DateOnly to, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var payments = new List<FailedPayment>();
        await ReadAsync($"""
            SELECT o.order_id, o.decline_reason, o.payment_failed_at, o.currency, o.total, o.paid_at, a.message_id,
                   (SELECT COUNT(*) FROM recovery_messages m
                    WHERE m.owner_kind = 'order' AND m.owner_id = o.order_id AND m.flow = '{FlowNames.IncompletePayment}' AND m.sent_at IS NOT NULL),
                   CASE WHEN o.paid_at IS NOT NULL THEN '{Recovered}'
                        WHEN c.unsubscribed_at IS NOT NULL THEN '{Unsubscribed}'
                        WHEN o.cancelled_at IS NOT NULL OR (l.finished_at IS NOT NULL AND l.finished_at <= @lostBefore) THEN '{Lost}'
                        ELSE '{Open}' END
            FROM recovery_orders o
            LEFT JOIN recovery_attributions a ON a.order_id = o.order_id AND a.flow = '{FlowNames.IncompletePayment}'
            LEFT JOIN recovery_leads l ON l.type = 'payment' AND l.id = o.order_id
            LEFT JOIN recovery_customers c ON c.customer_key = o.customer_key
            WHERE o.payment_failed_at >= @from AND o.payment_failed_at < @to
            ORDER BY o.payment_failed_at DESC, o.order_id
            """, command => command.With("from", LedgerDays.StartMs(from)).With("to", LedgerDays.StartMs(to.AddDays(1)))
            .With("lostBefore", (now - leads.CurrentValue.LostAfter).ToUnixTimeMilliseconds()),
            reader => payments.Add(new FailedPayment(
                reader.GetString(0), Text(reader, 1) ?? "other", Time(reader.GetInt64(2)), reader.GetString(8), Convert.ToInt32(reader.GetValue(7)),
                LedgerColumns.Amount(reader.GetInt64(4)), reader.GetString(3), reader.IsDBNull(5) ? null : Time(reader.GetInt64(5)), Text(reader, 6))),
            cancellationToken);
        return payments;
    }

    /// <summary>
    /// Everything the ledger holds on one customer, for an export and to find what an erase must reach: their carts,
    /// orders and coupons, every message with its events, and their leads.
    /// </summary>
    public async Task<CustomerLedger> CustomerAsync(string customerKey, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var messages = new List<CustomerMessage>();
        await ReadAsync("""
            SELECT message_id, owner_kind, owner_id, flow, step, marketing, variant, coupon_code, planned_at, sent_at, first_clicked_at
            FROM recovery_messages WHERE customer_key = @key ORDER BY COALESCE(planned_at, sent_at, decided_at), message_id
            """, command => command.With("key", customerKey), reader => messages.Add(new CustomerMessage(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), Convert.ToInt32(reader.GetValue(4)),
                Convert.ToInt32(reader.GetValue(5)) == 1, Text(reader, 6), Text(reader, 7), OptionalTime(reader, 8), OptionalTime(reader, 9),
                OptionalTime(reader, 10), [])), cancellationToken);
        var events = new List<(string MessageId, MessageEventView Event)>();
        await ReadAsync("""
            SELECT e.message_id, e.kind, e.at, e.reason FROM recovery_message_events e
            WHERE e.message_id IN (SELECT message_id FROM recovery_messages WHERE customer_key = @key) ORDER BY e.at, e.kind
            """, command => command.With("key", customerKey),
            reader => events.Add((reader.GetString(0), new MessageEventView(reader.GetString(1), Time(reader.GetInt64(2)), Text(reader, 3)))), cancellationToken);
        var orders = new List<string>();
        var coupons = messages.Select(message => message.CouponCode).OfType<string>().ToList();
        await ReadAsync("SELECT order_id, coupon_code FROM recovery_orders WHERE customer_key = @key ORDER BY placed_at, order_id",
            command => command.With("key", customerKey), reader =>
            {
                orders.Add(reader.GetString(0));
                if (Text(reader, 1) is { } code)
                {
                    coupons.Add(code);
                }
            }, cancellationToken);
        (DateTimeOffset? Unsubscribed, DateTimeOffset? Erased) customer = default;
        await ReadAsync("SELECT unsubscribed_at, erased_at FROM recovery_customers WHERE customer_key = @key",
            command => command.With("key", customerKey), reader => customer = (OptionalTime(reader, 0), OptionalTime(reader, 1)), cancellationToken);
        var leads = await LeadsAsync(new LeadQuery(DateOnly.MinValue.AddDays(1), DateOnly.MaxValue.AddDays(-1), null, null, 0, null, customerKey), now, cancellationToken)
            .ToListAsync(cancellationToken);

        var byMessage = events.ToLookup(e => e.MessageId, e => e.Event);
        return new CustomerLedger(
            [.. messages.Where(m => m.OwnerKind == "cart").Select(m => m.OwnerId).Distinct()],
            [.. orders.Union(messages.Where(m => m.OwnerKind == "order").Select(m => m.OwnerId))],
            [.. coupons.Distinct()],
            [.. messages.Select(m => m with { Events = [.. byMessage[m.MessageId]] })],
            leads,
            customer.Unsubscribed,
            customer.Erased);
    }

    /// <summary>
    /// A lead's status: recovered once bought or paid; else unsubscribed, from all marketing or, for a cart, from this
    /// cart's reminders (the stop skipped its pending step); else lost once its sequence ended <c>LostAfter</c> ago;
    /// else open.
    /// </summary>
    private static string StatusOf(string outcome, string finishedAt) => $"""
        CASE WHEN {outcome} = '{Recovered}' THEN '{Recovered}'
             WHEN c.unsubscribed_at IS NOT NULL THEN '{Unsubscribed}'
             WHEN l.type = '{Lead.CartType}' AND EXISTS (
                 SELECT 1 FROM recovery_messages m JOIN recovery_message_events e ON e.message_id = m.message_id
                 WHERE m.owner_kind = '{LedgerOwner.Cart}' AND m.owner_id = l.id AND e.kind = 'skipped' AND e.reason = '{SkipReason.UnsubscribedCart}') THEN '{Unsubscribed}'
             WHEN {finishedAt} IS NOT NULL AND {finishedAt} <= @lostBefore THEN '{Lost}'
             ELSE '{Open}' END
        """;

    private async Task ReadAsync(string sql, Action<DbCommand> bind, Action<DbDataReader> read, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = LedgerDatabase.Command(connection, null, sql);
        bind(command);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            read(reader);
        }
    }

    private static string? Text(DbDataReader reader, int column) => reader.IsDBNull(column) ? null : reader.GetString(column);

    private static DateTimeOffset Time(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    private static DateTimeOffset? OptionalTime(DbDataReader reader, int column) => reader.IsDBNull(column) ? null : Time(reader.GetInt64(column));
}
