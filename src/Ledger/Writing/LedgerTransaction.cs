using System.Data.Common;
using System.Text.Json;
using Orleans.Recovery.Ledger;
using Orleans.Recovery.Money;

namespace Orleans.Recovery.Ledger;

/// <summary>
/// One ledger transaction: the grains' entries as rows, each inserted only if its key is new, and the daily counts
/// moved by exactly the rows that were. Then the orders whose attribution or holdout conversion the new rows can change
/// are worked out again, and the counts moved by the difference. So appending anything twice changes nothing.
/// </summary>
/// <remarks>
/// The shard, on PostgreSQL, where silos write side by side: the writer's own rows of the daily counts, and its
/// customers locked. SQLite has one writer at a time, and neither.
/// </remarks>
internal sealed partial class LedgerTransaction(DbConnection connection, DbTransaction transaction, AttributionOptions attribution, int? shard)
{
    private readonly bool _lockCustomers = shard is not null;

    private static readonly JsonSerializerOptions ItemsJson = new(JsonSerializerDefaults.Web);

    private readonly Dictionary<CountKey, (long Count, long Amount)> _counts = [];

    /// <summary>Customers with new touches or decisions, and the earliest of them: orders paid since may credit them.</summary>
    private readonly Dictionary<Identity, long> _touched = [];

    /// <summary>Customers whose orders changed: placed, paid, cancelled or discounted.</summary>
    private readonly HashSet<Identity> _ordered = [];

    public async Task ApplyAsync(LedgerBatch batch)
    {
        var owner = batch.Owner;
        var identity = new Identity(owner.CustomerKey ?? "", owner.ShopCustomerId);
        foreach (var entry in batch.Entries)
        {
            switch (entry)
            {
                case MessageEvent message:
                    await MessageAsync(owner, identity, message);
                    break;
                case OrderEvent order:
                    await OrderAsync(owner, identity, order);
                    break;
                case CouponRedeemed redeemed:
                    await RedeemedAsync(redeemed);
                    break;
                case Unsubscribed unsubscribed:
                    await UnsubscribedAsync(owner, unsubscribed);
                    break;
                case Forgotten:
                    // Like every ledger row the lead outlives the grain's state, but not the shopper's name and address.
                    await ExecuteAsync("UPDATE recovery_leads SET email = '', first_name = '', last_name = NULL WHERE type = @type AND id = @id",
                        command => command.With("type", owner.Kind == LedgerOwner.Cart ? Lead.CartType : Lead.PaymentType).With("id", owner.Id));
                    break;
            }
        }

        if (batch.Lead is { } lead && owner.CustomerKey is { } customerKey)
        {
            await LeadAsync(owner, customerKey, lead, batch.Revision);
        }
    }

    /// <summary>What this transaction moved in the daily counts: the figures the metrics report once it commits.</summary>
    /// Summed over days: a first click moved to an earlier day is -1 on one and +1 on the other, and no new click.
    public IEnumerable<(string Flow, int Step, string Metric, string Detail, long Count, decimal Amount)> Changes =>
        _counts.GroupBy(pair => (pair.Key.Flow, pair.Key.Step, pair.Key.Metric, pair.Key.Detail))
            .Select(group => (group.Key.Flow, group.Key.Step, group.Key.Metric, group.Key.Detail, group.Sum(pair => pair.Value.Count), Amount(group.Sum(pair => pair.Value.Amount))))
            .Where(change => change.Item5 != 0 || change.Item6 != 0);

    /// <summary>Writes the daily counts this transaction moved.</summary>
    public async Task CountAsync()
    {
        // In one order: should two writers share a shard, they take the rows' locks alike, never crosswise.
        foreach (var (key, (count, amount)) in _counts.Where(pair => pair.Value != (0, 0)).OrderBy(pair => pair.Key))
        {
            await ExecuteAsync(shard is { } own
                ? $"""
                    INSERT INTO recovery_daily (day, flow, step, variant, metric, detail, count, amount, shard)
                    VALUES (@day, @flow, @step, @variant, @metric, @detail, @count, @amount, {own})
                    ON CONFLICT (day, flow, step, variant, metric, detail, shard)
                    DO UPDATE SET count = recovery_daily.count + excluded.count, amount = recovery_daily.amount + excluded.amount
                    """
                : """
                    INSERT INTO recovery_daily (day, flow, step, variant, metric, detail, count, amount)
                    VALUES (@day, @flow, @step, @variant, @metric, @detail, @count, @amount)
                    ON CONFLICT (day, flow, step, variant, metric, detail)
                    DO UPDATE SET count = recovery_daily.count + excluded.count, amount = recovery_daily.amount + excluded.amount
                    """, command => command.With("day", key.Day).With("flow", key.Flow).With("step", key.Step).With("variant", key.Variant)
                .With("metric", key.Metric).With("detail", key.Detail).With("count", count).With("amount", amount));
        }
    }

    private async Task MessageAsync(LedgerOwner owner, Identity identity, MessageEvent message)
    {
        var at = Ms(message.At);
        var kind = Metric(message.Kind);
        // A link can be clicked any number of times: a message keeps its first clicks as events and no more, so one link
        // cannot grow the table without end. Unique clicks are counted from its first click alone.
        var inserted = await ExecuteAsync(message.Kind == MessageEventKind.Clicked
                ? """
                  INSERT INTO recovery_message_events (message_id, kind, at, reason)
                  SELECT @id, @kind, @at, @reason
                  WHERE (SELECT count(*) FROM recovery_message_events WHERE message_id = @id AND kind = @kind) < @kept
                  ON CONFLICT DO NOTHING
                  """
                : "INSERT INTO recovery_message_events (message_id, kind, at, reason) VALUES (@id, @kind, @at, @reason) ON CONFLICT DO NOTHING",
            command => command.With("id", message.MessageId).With("kind", kind).With("at", at).With("reason", message.Reason).With("kept", ClicksKept));
        if (inserted == 0)
        {
            return;
        }

        var decided = StepDecision.IsDecided(message.Kind, message.Reason);
        var variant = await ScalarAsync<string>("""
            INSERT INTO recovery_messages (message_id, owner_kind, owner_id, customer_key, shop_customer_id, flow, step, marketing,
                                           variant, coupon_code, planned_at, decided_at, sent_at)
            VALUES (@id, @ownerKind, @ownerId, @customerKey, @shopCustomerId, @flow, @step, @marketing,
                    @variant, @couponCode, @plannedAt, @decidedAt, @sentAt)
            ON CONFLICT (message_id) DO UPDATE SET
                variant = COALESCE(excluded.variant, recovery_messages.variant),
                coupon_code = COALESCE(excluded.coupon_code, recovery_messages.coupon_code),
                planned_at = COALESCE(recovery_messages.planned_at, excluded.planned_at),
                decided_at = COALESCE(recovery_messages.decided_at, excluded.decided_at),
                sent_at = COALESCE(recovery_messages.sent_at, excluded.sent_at)
            RETURNING variant
            """, command => command.With("id", message.MessageId).With("ownerKind", owner.Kind).With("ownerId", owner.Id)
            .With("customerKey", identity.Key).With("shopCustomerId", identity.Shop).With("flow", message.Flow).With("step", message.Step)
            .With("marketing", message.Marketing ? 1 : 0).With("variant", message.Variant).With("couponCode", message.CouponCode)
            .With("plannedAt", message.Kind == MessageEventKind.Planned ? at : null)
            .With("decidedAt", decided ? at : null)
            .With("sentAt", message.Kind == MessageEventKind.Sent ? at : null)) ?? "";

        if (message.Kind == MessageEventKind.Clicked)
        {
            await FirstClickAsync(message, at, variant);
        }
        else
        {
            var detail = message.Kind is MessageEventKind.Skipped or MessageEventKind.Deferred or MessageEventKind.Failed or MessageEventKind.Bounced ? message.Reason ?? "" : "";
            Count(at, message.Flow, message.Step, variant, kind, detail, 1);
        }

        if (decided)
        {
            await EnterAsync(owner, identity, message, at);
        }

        if (decided || message.Kind is MessageEventKind.Sent or MessageEventKind.Clicked)
        {
            _touched[identity] = _touched.TryGetValue(identity, out var since) ? Math.Min(since, at) : at;
        }
    }

    /// <summary>Unique clicks: a message counts on the day of its first click, however often it is clicked.</summary>
    private async Task FirstClickAsync(MessageEvent message, long at, string variant)
    {
        var first = await ScalarAsync<long?>("SELECT first_clicked_at FROM recovery_messages WHERE message_id = @id", command => command.With("id", message.MessageId));
        if (first <= at)
        {
            return;
        }

        await ExecuteAsync("UPDATE recovery_messages SET first_clicked_at = @at WHERE message_id = @id", command => command.With("at", at).With("id", message.MessageId));
        if (first is { } later)
        {
            Count(later, message.Flow, message.Step, variant, "clicked", "", -1);
        }

        Count(at, message.Flow, message.Step, variant, "clicked", "", 1);
    }

    /// <summary>The first step that came due enters the cart or order into the flow; the first marketing one sets its group.</summary>
    private async Task EnterAsync(LedgerOwner owner, Identity identity, MessageEvent message, long at)
    {
        if (await ExecuteAsync("""
            INSERT INTO recovery_entries (owner_kind, owner_id, flow, customer_key, shop_customer_id, entered_at)
            VALUES (@ownerKind, @ownerId, @flow, @customerKey, @shopCustomerId, @at) ON CONFLICT DO NOTHING
            """, command => command.With("ownerKind", owner.Kind).With("ownerId", owner.Id).With("flow", message.Flow)
            .With("customerKey", identity.Key).With("shopCustomerId", identity.Shop).With("at", at)) == 1)
        {
            Count(at, message.Flow, 0, "", "entered", "", 1);
        }

        if (!message.Marketing)
        {
            return;
        }

        var group = StepDecision.IsHoldout(message.Kind, message.Reason) ? Group.Control : Group.Treated;
        if (await ExecuteAsync("""
            UPDATE recovery_entries SET grp = @group, grp_at = @at
            WHERE owner_kind = @ownerKind AND owner_id = @ownerId AND flow = @flow AND grp IS NULL
            """, command => command.With("group", group).With("at", at).With("ownerKind", owner.Kind).With("ownerId", owner.Id).With("flow", message.Flow)) == 1)
        {
            Count(at, message.Flow, 0, "", $"{group}_entered", "", 1);
        }
    }

    private async Task OrderAsync(LedgerOwner owner, Identity identity, OrderEvent order)
    {
        var at = Ms(order.At);
        switch (order.Kind)
        {
            case OrderEventKind.Placed:
                if (await ExecuteAsync("""
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
                if (await ExecuteAsync("UPDATE recovery_orders SET paid_at = @at WHERE order_id = @id AND paid_at IS NULL", command => command.With("at", at).With("id", owner.Id)) == 1)
                {
                    _ordered.Add(identity);
                }

                break;
            case OrderEventKind.PaymentFailed:
                await ExecuteAsync(
                    "UPDATE recovery_orders SET payment_failed_at = COALESCE(payment_failed_at, @at), decline_reason = COALESCE(decline_reason, @reason) WHERE order_id = @id",
                    command => command.With("at", at).With("reason", order.Reason).With("id", owner.Id));
                break;
            case OrderEventKind.Cancelled:
                if (await ExecuteAsync("UPDATE recovery_orders SET cancelled_at = @at WHERE order_id = @id AND cancelled_at IS NULL", command => command.With("at", at).With("id", owner.Id)) == 1)
                {
                    _ordered.Add(identity);
                }

                break;
        }
    }

    private async Task RedeemedAsync(CouponRedeemed redeemed)
    {
        if (await ExecuteAsync(
            "INSERT INTO recovery_redemptions (code, order_id, percent_off, at) VALUES (@code, @orderId, @percent, @at) ON CONFLICT DO NOTHING",
            command => command.With("code", redeemed.Code).With("orderId", redeemed.OrderId).With("percent", Units(redeemed.PercentOff)).With("at", Ms(redeemed.At))) == 1)
        {
            await DiscountAsync(redeemed.OrderId);
        }
    }

    /// <summary>Once both the order and the redemption of our coupon are in, the order's discount: the percentage of its subtotal, in its currency's digits.</summary>
    private async Task DiscountAsync(string orderId)
    {
        await using var command = Command("""
            SELECT r.code, r.percent_off, o.subtotal, o.currency, o.customer_key, o.shop_customer_id
            FROM recovery_redemptions r JOIN recovery_orders o ON o.order_id = r.order_id
            WHERE r.order_id = @id AND o.discount IS NULL
            """).With("id", orderId);
        string code, currency;
        long percent, subtotal;
        Identity identity;
        await using (var reader = await command.ExecuteReaderAsync())
        {
            if (!await reader.ReadAsync())
            {
                return;
            }

            (code, percent, subtotal, currency) = (reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetString(3));
            identity = new Identity(reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5));
        }

        var discount = Math.Round(Amount(subtotal) * Amount(percent) / 100m, Currencies.Digits(currency), MidpointRounding.AwayFromZero);
        await ExecuteAsync("UPDATE recovery_orders SET coupon_code = @code, discount = @discount WHERE order_id = @id",
            update => update.With("code", code).With("discount", Units(discount)).With("id", orderId));
        _ordered.Add(identity);
    }

    private Task UnsubscribedAsync(LedgerOwner owner, Unsubscribed unsubscribed) => ExecuteAsync("""
        INSERT INTO recovery_customers (customer_key, unsubscribed_at) VALUES (@key, @at)
        ON CONFLICT (customer_key) DO UPDATE SET unsubscribed_at = COALESCE(recovery_customers.unsubscribed_at, excluded.unsubscribed_at)
        """, command => command.With("key", owner.Id).With("at", Ms(unsubscribed.At)));

    /// <summary>The lead as its grain has it now, unless a newer revision is in, or the customer was erased.</summary>
    private async Task LeadAsync(LedgerOwner owner, string customerKey, Lead lead, long revision)
    {
        if (await ScalarAsync<long?>("SELECT erased_at FROM recovery_customers WHERE customer_key = @key", command => command.With("key", customerKey)) is not null)
        {
            return;
        }

        await ExecuteAsync("""
            INSERT INTO recovery_leads (type, id, customer_key, email, first_name, last_name, locale, country, items, total, currency,
                                        created_at, last_activity_at, steps_sent, coupon_code, outcome, order_id, finished_at,
                                        decline_reason, revision)
            VALUES (@type, @id, @customerKey, @email, @firstName, @lastName, @locale, @country, @items, @total, @currency,
                    @createdAt, @lastActivityAt, @stepsSent, @couponCode, @outcome, @orderId, @finishedAt, @declineReason, @revision)
            ON CONFLICT (type, id) DO UPDATE SET
                customer_key = excluded.customer_key, email = excluded.email, first_name = excluded.first_name,
                last_name = excluded.last_name, locale = excluded.locale, country = excluded.country, items = excluded.items,
                total = excluded.total, currency = excluded.currency, created_at = excluded.created_at,
                last_activity_at = excluded.last_activity_at, steps_sent = excluded.steps_sent, coupon_code = excluded.coupon_code,
                outcome = excluded.outcome, order_id = excluded.order_id, finished_at = excluded.finished_at,
                decline_reason = excluded.decline_reason, revision = excluded.revision
            WHERE recovery_leads.revision <= excluded.revision
            """, command => command.With("type", lead.Type).With("id", owner.Id).With("customerKey", customerKey).With("email", lead.Email)
            .With("firstName", lead.FirstName).With("lastName", lead.LastName).With("locale", lead.Locale).With("country", lead.Country)
            .With("items", JsonSerializer.Serialize(lead.Items, ItemsJson)).With("total", Units(lead.Total)).With("currency", lead.Currency)
            .With("createdAt", Ms(lead.CreatedAt)).With("lastActivityAt", Ms(lead.LastActivityAt)).With("stepsSent", lead.StepsSent)
            .With("couponCode", lead.CouponCode).With("outcome", lead.Outcome == LeadOutcome.Recovered ? "recovered" : "open")
            .With("orderId", lead.OrderId).With("finishedAt", lead.FinishedAt is { } finished ? Ms(finished) : null)
            .With("declineReason", lead.DeclineReason).With("revision", revision));
    }

    private void Count(long at, string flow, int step, string variant, string metric, string detail, long count, long amount = 0)
    {
        var key = new CountKey(at / MsPerDay, flow, step, variant, metric, detail);
        var (c, a) = _counts.GetValueOrDefault(key);
        _counts[key] = (c + count, a + amount);
    }

    private DbCommand Command(string sql) => LedgerDatabase.Command(connection, transaction, sql);

    private async Task<int> ExecuteAsync(string sql, Action<DbCommand> parameters)
    {
        await using var command = Command(sql);
        parameters(command);
        return await command.ExecuteNonQueryAsync();
    }

    private async Task<T?> ScalarAsync<T>(string sql, Action<DbCommand> parameters)
    {
        await using var command = Command(sql);
        parameters(command);
        var value = await command.ExecuteScalarAsync();
        return value is null or DBNull ? default : (T)Convert.ChangeType(value, Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string Metric(MessageEventKind kind) => kind switch
    {
        MessageEventKind.Planned => "planned",
        MessageEventKind.Sent => "sent",
        MessageEventKind.Deferred => "deferred",
        MessageEventKind.Skipped => "skipped",
        MessageEventKind.Failed => "failed",
        MessageEventKind.Bounced => "bounced",
        MessageEventKind.Complained => "complained",
        _ => "clicked",
    };

    public const long MsPerDay = 86_400_000;

    /// <summary>The click events kept per message: its first ones.</summary>
    public const long ClicksKept = 20;

    public static long Ms(DateTimeOffset at) => at.ToUnixTimeMilliseconds();

    /// <summary>Money as the ledger keeps it: ten-thousandths of the unit, whole numbers that add up exactly.</summary>
    public static long Units(decimal amount) => (long)Math.Round(amount * 10_000m, MidpointRounding.AwayFromZero);

    public static decimal Amount(long units) => units / 10_000m;

    private static class Group
    {
        public const string Treated = "treated";
        public const string Control = "control";
    }

    private readonly record struct CountKey(long Day, string Flow, int Step, string Variant, string Metric, string Detail) : IComparable<CountKey>
    {
        public int CompareTo(CountKey other) =>
            (Day, Step).CompareTo((other.Day, other.Step)) is not 0 and var byNumber ? byNumber
            : string.CompareOrdinal($"{Flow}\n{Variant}\n{Metric}\n{Detail}", $"{other.Flow}\n{other.Variant}\n{other.Metric}\n{other.Detail}");
    }

    /// <summary>A customer as the ledger stitches one: the key of their address, and the shop's own id when it gave one.</summary>
    private readonly record struct Identity(string Key, string? Shop)
    {
        /// <summary>The same customer: the same address, or the same shop id.</summary>
        public bool Matches(Identity other) => other.Key == Key || (Shop is not null && other.Shop == Shop);
    }
}
