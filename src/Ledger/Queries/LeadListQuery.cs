using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.Options;
using static Orleans.Recovery.Ledger.LedgerColumns;

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

/// <summary>The leads list: abandoned carts and failed payments, each with its status (<see cref="LeadStatus"/>) as of now.</summary>
public sealed class LeadListQuery(LedgerDatabase database, IOptionsMonitor<LeadOptions> leads)
{
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
        await using var command = new LedgerSql(connection, null).Command(sql)
            .With("from", LedgerDays.StartMs(query.From)).With("to", LedgerDays.StartMs(query.To.AddDays(1)))
            .With("type", query.Type).With("status", query.Status).With("limit", query.Limit).With("customerKey", query.CustomerKey)
            .With("afterAt", query.After?.CreatedAt).With("afterType", query.After?.Type).With("afterId", query.After?.Id)
            .With("lostBefore", (now - leads.CurrentValue.LostAfter).ToUnixTimeMilliseconds());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return new LeadView(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.TextOrNull(4), reader.TextOrNull(5), reader.TextOrNull(6),
                JsonSerializer.Deserialize<ImmutableArray<LeadItem>>(reader.GetString(7), ItemsJson), Amount(reader.GetInt64(8)),
                reader.GetString(9), Time(reader.GetInt64(10)), Time(reader.GetInt64(11)), reader.Int(12), reader.TextOrNull(13),
                reader.GetString(14), reader.TextOrNull(15), reader.TextOrNull(16));
        }
    }

    /// <summary>
    /// A lead's status: recovered once bought or paid; else unsubscribed, from all marketing or, for a cart, from this
    /// cart's reminders (the stop skipped its pending step); else lost once its sequence ended <c>LostAfter</c> ago;
    /// else open.
    /// </summary>
    private static string StatusOf(string outcome, string finishedAt) => $"""
        CASE WHEN {outcome} = '{LeadStatus.Recovered}' THEN '{LeadStatus.Recovered}'
             WHEN c.unsubscribed_at IS NOT NULL THEN '{LeadStatus.Unsubscribed}'
             WHEN l.type = '{Lead.CartType}' AND EXISTS (
                 SELECT 1 FROM recovery_messages m JOIN recovery_message_events e ON e.message_id = m.message_id
                 WHERE m.owner_kind = '{LedgerOwner.Cart}' AND m.owner_id = l.id AND e.kind = '{LedgerMetric.Skipped}' AND e.reason = '{SkipReason.UnsubscribedCart}') THEN '{LeadStatus.Unsubscribed}'
             WHEN {finishedAt} IS NOT NULL AND {finishedAt} <= @lostBefore THEN '{LeadStatus.Lost}'
             ELSE '{LeadStatus.Open}' END
        """;
}
