namespace Orleans.Recovery.Ledger;

/// <summary>
/// How a row already in the ledger takes a new fact: the columns and conflict clauses that SQLite's writer (a row at
/// a time) and PostgreSQL's (every grain's rows at once) share, so the two cannot drift.
/// </summary>
internal static class LedgerUpserts
{
    public const string MessageColumns =
        "message_id, owner_kind, owner_id, customer_key, shop_customer_id, flow, step, marketing, variant, coupon_code, planned_at, decided_at, sent_at";

    /// <summary>
    /// A message's later event brings the variant and coupon it was sent with; its times stay the first ones known.
    /// Several events of one message in one statement are merged first the same way (<see cref="MessageRowMerge"/>).
    /// </summary>
    public const string MessageMerge = """
        ON CONFLICT (message_id) DO UPDATE SET
            variant = COALESCE(excluded.variant, recovery_messages.variant),
            coupon_code = COALESCE(excluded.coupon_code, recovery_messages.coupon_code),
            planned_at = COALESCE(recovery_messages.planned_at, excluded.planned_at),
            decided_at = COALESCE(recovery_messages.decided_at, excluded.decided_at),
            sent_at = COALESCE(recovery_messages.sent_at, excluded.sent_at)
        """;

    public const string EventColumns = "message_id, kind, at, reason";

    public const string EntryColumns = "owner_kind, owner_id, flow, customer_key, shop_customer_id, entered_at";

    public const string LeadColumns = """
        type, id, customer_key, email, first_name, last_name, locale, country, items, total, currency, created_at, last_activity_at,
        steps_sent, coupon_code, outcome, order_id, finished_at, decline_reason, revision
        """;

    /// <summary>A lead replaces the row of an older or the same revision, never a newer one.</summary>
    public const string LeadReplace = """
        ON CONFLICT (type, id) DO UPDATE SET
            customer_key = excluded.customer_key, email = excluded.email, first_name = excluded.first_name,
            last_name = excluded.last_name, locale = excluded.locale, country = excluded.country, items = excluded.items,
            total = excluded.total, currency = excluded.currency, created_at = excluded.created_at,
            last_activity_at = excluded.last_activity_at, steps_sent = excluded.steps_sent, coupon_code = excluded.coupon_code,
            outcome = excluded.outcome, order_id = excluded.order_id, finished_at = excluded.finished_at,
            decline_reason = excluded.decline_reason, revision = excluded.revision
        WHERE recovery_leads.revision <= excluded.revision
        """;

    /// <summary>A daily count's row takes the transaction's increments.</summary>
    public const string DailyAdd =
        "DO UPDATE SET count = recovery_daily.count + excluded.count, amount = recovery_daily.amount + excluded.amount";
}
