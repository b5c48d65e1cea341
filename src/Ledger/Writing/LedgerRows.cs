using Orleans.Recovery.Money;
using static Orleans.Recovery.Ledger.LedgerColumns;

namespace Orleans.Recovery.Ledger;

/// <summary>
/// Writes grains' entries as the ledger's rows, each inserted only if its key is new, and moves the daily counts by
/// exactly the rows that were. It notes the customers whose attribution the new rows may change, for the projection.
/// </summary>
internal sealed class LedgerRows(LedgerSql sql, DailyCountChanges counts)
{
    /// <summary>The click events kept per message: its first ones.</summary>
    public const long ClicksKept = 20;

    private readonly Dictionary<CustomerIdentity, long> _touched = [];
    private readonly HashSet<CustomerIdentity> _ordered = [];

    /// <summary>Customers with new touches or decisions, and the earliest of them: orders paid since may credit them.</summary>
    public IReadOnlyDictionary<CustomerIdentity, long> Touched => _touched;

    /// <summary>Customers whose orders changed: placed, paid, cancelled or discounted.</summary>
    public IReadOnlySet<CustomerIdentity> Ordered => _ordered;

    /// <summary>Writes one of <paramref name="owner"/>'s entries: a message's event, an order's, a redemption or an unsubscribe.</summary>
    public Task WriteAsync(LedgerOwner owner, LedgerEntry entry) => entry switch
    {
        MessageEvent message => MessageAsync(owner, CustomerIdentity.Of(owner), message),
        OrderEvent order => OrderAsync(owner, CustomerIdentity.Of(owner), order),
        CouponRedeemed redeemed => RedeemedAsync(redeemed),
        Unsubscribed unsubscribed => UnsubscribedAsync(owner, unsubscribed),
        _ => Task.CompletedTask,
    };

    /// <summary>
    /// Inserts a click unless its message keeps <see cref="ClicksKept"/> already: a link can be clicked any number of
    /// times, and one link must not grow the table without end. Unique clicks are counted from the first click alone.
    /// </summary>
    public const string ClickInsert = $"""
        INSERT INTO recovery_message_events ({LedgerUpserts.EventColumns})
        SELECT @id, @kind, @at, @reason
        WHERE (SELECT count(*) FROM recovery_message_events WHERE message_id = @id AND kind = @kind) < @kept
        ON CONFLICT DO NOTHING
        """;

    /// <summary>Notes a new touch or decision of <paramref name="identity"/> at <paramref name="at"/>: orders paid since may credit it.</summary>
    public void Touch(CustomerIdentity identity, long at) => _touched[identity] = _touched.TryGetValue(identity, out var since) ? Math.Min(since, at) : at;

    /// <summary>What a message's event is counted under beside its kind: the reason of a skip, deferral, failure or bounce.</summary>
    public static string DetailOf(MessageEvent message) =>
        message.Kind is MessageEventKind.Skipped or MessageEventKind.Deferred or MessageEventKind.Failed or MessageEventKind.Bounced ? message.Reason ?? "" : "";

    /// <summary>
    /// Unique clicks: a message counts on the day of its first click, however often it is clicked. Moves the count when
    /// the click at <paramref name="at"/> comes before the <paramref name="first"/> known; true when it did.
    /// </summary>
    public static bool CountFirstClick(DailyCountChanges counts, MessageEvent message, string variant, long? first, long at)
    {
        if (first <= at)
        {
            return false;
        }

        if (first is { } later)
        {
            counts.Count(later, message.Flow, message.Step, variant, LedgerMetric.Clicked, "", -1);
        }

        counts.Count(at, message.Flow, message.Step, variant, LedgerMetric.Clicked, "", 1);
        return true;
    }

    /// <summary>The holdout group a marketing step that came due puts its cart or order in.</summary>
    public static string GroupOf(MessageEvent message) => StepDecision.IsHoldout(message.Kind, message.Reason) ? HoldoutGroup.Control : HoldoutGroup.Treated;

    private async Task MessageAsync(LedgerOwner owner, CustomerIdentity identity, MessageEvent message)
    {
        var at = Ms(message.At);
        var kind = LedgerMetric.Of(message.Kind);
        var inserted = await sql.ExecuteAsync(message.Kind == MessageEventKind.Clicked
                ? ClickInsert
                : $"INSERT INTO recovery_message_events ({LedgerUpserts.EventColumns}) VALUES (@id, @kind, @at, @reason) ON CONFLICT DO NOTHING",
            command => command.With("id", message.MessageId).With("kind", kind).With("at", at).With("reason", message.Reason).With("kept", ClicksKept));
        if (inserted == 0)
        {
            return;
        }

        var decided = StepDecision.IsDecided(message.Kind, message.Reason);
        var variant = await sql.ScalarAsync<string>($"""
            INSERT INTO recovery_messages ({LedgerUpserts.MessageColumns})
            VALUES (@id, @ownerKind, @ownerId, @customerKey, @shopCustomerId, @flow, @step, @marketing,
                    @variant, @couponCode, @plannedAt, @decidedAt, @sentAt)
            {LedgerUpserts.MessageMerge}
            RETURNING variant
            """, command => command.With("id", message.MessageId).With("ownerKind", owner.Kind).With("ownerId", owner.Id)
            .With("customerKey", identity.Key).With("shopCustomerId", identity.Shop).With("flow", message.Flow).With("step", message.Step)
            .With("marketing", message.Marketing ? 1 : 0).With("variant", message.Variant).With("couponCode", message.CouponCode)
            .With("plannedAt", message.Kind == MessageEventKind.Planned ? at : null)
            .With("decidedAt", decided ? at : null)
            .With("sentAt", message.Kind == MessageEventKind.Sent ? at : null)) ?? "";

        if (message.Kind == MessageEventKind.Clicked)
        {
            var first = await sql.ScalarAsync<long?>("SELECT first_clicked_at FROM recovery_messages WHERE message_id = @id", command => command.With("id", message.MessageId));
            if (CountFirstClick(counts, message, variant, first, at))
            {
                await sql.ExecuteAsync("UPDATE recovery_messages SET first_clicked_at = @at WHERE message_id = @id", command => command.With("at", at).With("id", message.MessageId));
            }
        }
        else
        {
            counts.Count(at, message.Flow, message.Step, variant, kind, DetailOf(message), 1);
        }

        if (decided)
        {
            await EnterAsync(owner, identity, message, at);
        }

        if (decided || message.Kind is MessageEventKind.Sent or MessageEventKind.Clicked)
        {
            Touch(identity, at);
        }
    }

    /// <summary>The first step that came due enters the cart or order into the flow; the first marketing one sets its group.</summary>
    private async Task EnterAsync(LedgerOwner owner, CustomerIdentity identity, MessageEvent message, long at)
    {
        if (await sql.ExecuteAsync($"""
            INSERT INTO recovery_entries ({LedgerUpserts.EntryColumns})
            VALUES (@ownerKind, @ownerId, @flow, @customerKey, @shopCustomerId, @at) ON CONFLICT DO NOTHING
            """, command => command.With("ownerKind", owner.Kind).With("ownerId", owner.Id).With("flow", message.Flow)
            .With("customerKey", identity.Key).With("shopCustomerId", identity.Shop).With("at", at)) == 1)
        {
            counts.Count(at, message.Flow, 0, "", LedgerMetric.Entered, "", 1);
        }

        if (!message.Marketing)
        {
            return;
        }

        var group = GroupOf(message);
        if (await sql.ExecuteAsync("""
            UPDATE recovery_entries SET grp = @group, grp_at = @at
            WHERE owner_kind = @ownerKind AND owner_id = @ownerId AND flow = @flow AND grp IS NULL
            """, command => command.With("group", group).With("at", at).With("ownerKind", owner.Kind).With("ownerId", owner.Id).With("flow", message.Flow)) == 1)
        {
            counts.Count(at, message.Flow, 0, "", LedgerMetric.EnteredIn(group), "", 1);
        }
    }

    private async Task OrderAsync(LedgerOwner owner, CustomerIdentity identity, OrderEvent order)
    {
        var at = Ms(order.At);
        switch (order.Kind)
        {
            case OrderEventKind.Placed:
                if (await sql.ExecuteAsync("""
                    INSERT INTO recovery_orders (order_id, customer_key, shop_customer_id, cart_id, currency, subtotal, total, placed_at)
                    VALUES (@id, @customerKey, @shopCustomerId, @cartId, @currency, @subtotal, @total, @at) ON CONFLICT DO NOTHING
                    """, command => command.With("id", owner.Id).With("customerKey", identity.Key).With("shopCustomerId", identity.Shop)
                    .With("cartId", order.CartId).With("currency", order.Currency ?? "").With("subtotal", Units(order.Subtotal))
                    .With("total", Units(order.Total)).With("at", at)) == 1)
                {
                    await DiscountAsync(owner.Id);
                    _ordered.Add(identity);
                }

                break;
            case OrderEventKind.Paid:
                if (await sql.ExecuteAsync("UPDATE recovery_orders SET paid_at = @at WHERE order_id = @id AND paid_at IS NULL", command => command.With("at", at).With("id", owner.Id)) == 1)
                {
                    _ordered.Add(identity);
                }

                break;
            case OrderEventKind.PaymentFailed:
                await sql.ExecuteAsync(
                    "UPDATE recovery_orders SET payment_failed_at = COALESCE(payment_failed_at, @at), decline_reason = COALESCE(decline_reason, @reason) WHERE order_id = @id",
                    command => command.With("at", at).With("reason", order.Reason).With("id", owner.Id));
                break;
            case OrderEventKind.Cancelled:
                if (await sql.ExecuteAsync("UPDATE recovery_orders SET cancelled_at = @at WHERE order_id = @id AND cancelled_at IS NULL", command => command.With("at", at).With("id", owner.Id)) == 1)
                {
                    _ordered.Add(identity);
                }

                break;
        }
    }

    private async Task RedeemedAsync(CouponRedeemed redeemed)
    {
        if (await sql.ExecuteAsync(
            "INSERT INTO recovery_redemptions (code, order_id, percent_off, at) VALUES (@code, @orderId, @percent, @at) ON CONFLICT DO NOTHING",
            command => command.With("code", redeemed.Code).With("orderId", redeemed.OrderId).With("percent", Units(redeemed.PercentOff)).With("at", Ms(redeemed.At))) == 1)
        {
            await DiscountAsync(redeemed.OrderId);
        }
    }

    /// <summary>Once both the order and the redemption of our coupon are in, the order's discount: the percentage of its subtotal, in its currency's digits.</summary>
    private async Task DiscountAsync(string orderId)
    {
        (string Code, long Percent, long Subtotal, string Currency, CustomerIdentity Identity)? found = null;
        await sql.ReadAsync("""
            SELECT r.code, r.percent_off, o.subtotal, o.currency, o.customer_key, o.shop_customer_id
            FROM recovery_redemptions r JOIN recovery_orders o ON o.order_id = r.order_id
            WHERE r.order_id = @id AND o.discount IS NULL
            """, command => command.With("id", orderId), reader => found ??= (
                reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetString(3), new CustomerIdentity(reader.GetString(4), reader.TextOrNull(5))));
        if (found is not { } redemption)
        {
            return;
        }

        var discount = Math.Round(Amount(redemption.Subtotal) * Amount(redemption.Percent) / 100m, Currencies.Digits(redemption.Currency), MidpointRounding.AwayFromZero);
        await sql.ExecuteAsync("UPDATE recovery_orders SET coupon_code = @code, discount = @discount WHERE order_id = @id",
            update => update.With("code", redemption.Code).With("discount", Units(discount)).With("id", orderId));
        _ordered.Add(redemption.Identity);
    }

    private Task UnsubscribedAsync(LedgerOwner owner, Unsubscribed unsubscribed) => sql.ExecuteAsync("""
        INSERT INTO recovery_customers (customer_key, unsubscribed_at) VALUES (@key, @at)
        ON CONFLICT (customer_key) DO UPDATE SET unsubscribed_at = COALESCE(recovery_customers.unsubscribed_at, excluded.unsubscribed_at)
        """, command => command.With("key", owner.Id).With("at", Ms(unsubscribed.At)));
}
