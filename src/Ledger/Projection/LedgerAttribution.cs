using Orleans.Recovery.Ledger;

namespace Orleans.Recovery.Ledger;

/// <summary>
/// Attribution and the holdout's conversions, worked out again for every customer the transaction's rows can change,
/// from all of that customer's rows, so that a touch or an order that reaches the ledger late, from another grain or
/// silo, is credited exactly as if it had come in time.
/// </summary>
internal sealed partial class LedgerTransaction
{
    /// <summary>Works out again the attribution of every order, and the conversion of every entry, the new rows may change.</summary>
    public async Task AttributeAsync()
    {
        // Customers this transaction reached beyond its grains' own (an order a redeemed coupon discounted) are locked
        // now, before their rows are read.
        await LockAsync(_ordered.Concat(_touched.Keys));
        var customers = new HashSet<Identity>(_ordered);
        if (_touched.Count > 0)
        {
            // A touch or a decision changes nothing for a customer with no order paid since: most sends stop here.
            foreach (var paid in await PaidSinceAsync(_touched.Values.Min()))
            {
                customers.UnionWith(_touched.Where(touch => touch.Value <= paid.At && paid.Identity.Matches(touch.Key)).Select(touch => touch.Key));
            }
        }

        var done = new HashSet<string>();
        foreach (var customer in customers.Where(customer => customer.Key.Length > 0 || customer.Shop is not null))
        {
            if (!done.Contains(customer.Key))
            {
                done.UnionWith(await AttributeAsync(customer));
            }
        }
    }

    /// <summary>Recomputes one stitched customer; returns the customer keys it covered.</summary>
    private async Task<IReadOnlyCollection<string>> AttributeAsync(Identity customer)
    {
        var keys = new HashSet<string> { customer.Key };
        var shops = new HashSet<string>();
        if (customer.Shop is { } shop)
        {
            shops.Add(shop);
        }

        // Stitch: whatever shares an address key or a shop id with what is loaded belongs to the same customer. A few
        // rounds reach every customer a storefront's ids join; more would mean one id shared by many shoppers.
        Rows rows;
        for (var round = 0; ; round++)
        {
            rows = await LoadAsync(keys, shops);
            var (moreKeys, moreShops) = (keys.Count, shops.Count);
            keys.UnionWith(rows.Keys());
            shops.UnionWith(rows.Shops());
            if ((keys.Count == moreKeys && shops.Count == moreShops) || round == 3)
            {
                break;
            }
        }

        foreach (var order in rows.Orders)
        {
            await AttributeOrderAsync(order, rows);
        }

        foreach (var entry in rows.Entries.Where(entry => entry.Group is not null))
        {
            await ConvertEntryAsync(entry, rows);
        }

        return keys;
    }

    private async Task AttributeOrderAsync(OrderRow order, Rows rows)
    {
        Credit? credit = null;
        if (order.PaidAt is { } paid && order.CancelledAt is null)
        {
            var touches = rows.Messages
                .Where(message => message.SentAt is not null && order.Matches(message.Identity))
                .Select(message => new Touch(
                    message.MessageId, message.Flow, message.Step, message.Variant, true, FromMs(message.SentAt!.Value),
                    [.. rows.ClicksOf(message.MessageId).Select(FromMs)],
                    message.OwnerKind == LedgerOwner.Order ? message.OwnerId : null));
            if (Attribution.For(FromMs(paid), touches, attribution.Model, attribution.Window, order.OrderId) is { } touch)
            {
                credit = new Credit(touch.MessageId, touch.Flow, touch.Step, touch.Variant ?? "", paid, order.Currency, order.Total, order.Discount ?? 0);
            }
        }

        var before = rows.Attributions.GetValueOrDefault(order.OrderId);
        if (before == credit)
        {
            return;
        }

        if (before is not null)
        {
            CountCredit(before, -1);
            await ExecuteAsync("DELETE FROM recovery_attributions WHERE order_id = @id", command => command.With("id", order.OrderId));
        }

        if (credit is not null)
        {
            CountCredit(credit, 1);
            await ExecuteAsync("""
                INSERT INTO recovery_attributions (order_id, message_id, flow, step, variant, converted_at, currency, revenue, discount)
                VALUES (@orderId, @messageId, @flow, @step, @variant, @convertedAt, @currency, @revenue, @discount)
                """, command => command.With("orderId", order.OrderId).With("messageId", credit.MessageId).With("flow", credit.Flow)
                .With("step", credit.Step).With("variant", credit.Variant).With("convertedAt", credit.ConvertedAt)
                .With("currency", credit.Currency).With("revenue", credit.Revenue).With("discount", credit.Discount));
        }
    }

    private void CountCredit(Credit credit, int sign)
    {
        Count(credit.ConvertedAt, credit.Flow, credit.Step, credit.Variant, "recovered", "", sign);
        Count(credit.ConvertedAt, credit.Flow, credit.Step, credit.Variant, "revenue", credit.Currency, 0, sign * credit.Revenue);
        if (credit.Discount != 0)
        {
            Count(credit.ConvertedAt, credit.Flow, credit.Step, credit.Variant, "discount", credit.Currency, 0, sign * credit.Discount);
        }
    }

    /// <summary>The entry's conversion: the first paid order within the window after one of its marketing steps came due.</summary>
    private async Task ConvertEntryAsync(EntryRow entry, Rows rows)
    {
        var decided = rows.Messages
            .Where(message => message.OwnerKind == entry.OwnerKind && message.OwnerId == entry.OwnerId && message.Flow == entry.Flow && message.DecidedAt is not null)
            .Select(message => FromMs(message.DecidedAt!.Value))
            .ToList();

        // A failed payment converts when that very order is paid; a cart or a review request, when its customer orders.
        var candidates = rows.Orders
            .Where(order => entry.Flow == FlowNames.IncompletePayment && entry.OwnerKind == LedgerOwner.Order ? order.OrderId == entry.OwnerId : order.Matches(entry.Identity))
            .Where(order => order.PaidAt is not null && order.CancelledAt is null)
            .Select(order => new Conversion(order.OrderId, FromMs(order.PaidAt!.Value)));
        var converted = EntryConversion.Of(decided, candidates, attribution.Window) is { } conversion
            ? rows.Orders.First(order => order.OrderId == conversion.OrderId)
            : null;
        if (converted?.OrderId == entry.ConvertedOrderId && (converted is null || (converted.Currency == entry.Currency && converted.Total == entry.Revenue)))
        {
            return;
        }

        if (entry.ConvertedOrderId is not null)
        {
            Count(entry.GroupAt!.Value, entry.Flow, 0, "", $"{entry.Group}_converted", "", -1);
            Count(entry.GroupAt!.Value, entry.Flow, 0, "", $"{entry.Group}_revenue", entry.Currency ?? "", 0, -(entry.Revenue ?? 0));
        }

        if (converted is not null)
        {
            Count(entry.GroupAt!.Value, entry.Flow, 0, "", $"{entry.Group}_converted", "", 1);
            Count(entry.GroupAt!.Value, entry.Flow, 0, "", $"{entry.Group}_revenue", converted.Currency, 0, converted.Total);
        }

        await ExecuteAsync("""
            UPDATE recovery_entries SET converted_order_id = @orderId, currency = @currency, revenue = @revenue
            WHERE owner_kind = @ownerKind AND owner_id = @ownerId AND flow = @flow
            """, command => command.With("orderId", converted?.OrderId).With("currency", converted?.Currency).With("revenue", converted?.Total)
            .With("ownerKind", entry.OwnerKind).With("ownerId", entry.OwnerId).With("flow", entry.Flow));
    }

    /// <summary>Orders paid at or after <paramref name="since"/> of the customers with new touches.</summary>
    private async Task<List<(Identity Identity, long At)>> PaidSinceAsync(long since)
    {
        var (filter, bind) = Among(_touched.Keys.Select(identity => identity.Key).Where(key => key.Length > 0).ToHashSet(),
            _touched.Keys.Select(identity => identity.Shop).OfType<string>().ToHashSet());
        await using var command = Command($"SELECT customer_key, shop_customer_id, paid_at FROM recovery_orders WHERE {filter} AND paid_at >= @since");
        bind(command);
        command.With("since", since);
        var paid = new List<(Identity, long)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            paid.Add((new Identity(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1)), reader.GetInt64(2)));
        }

        return paid;
    }

    private async Task<Rows> LoadAsync(HashSet<string> keys, HashSet<string> shops)
    {
        var (filter, bind) = Among(keys, shops);
        var rows = new Rows();
        await ReadAsync($"""
            SELECT order_id, customer_key, shop_customer_id, currency, total, discount, paid_at, cancelled_at
            FROM recovery_orders WHERE {filter}
            """, bind, reader => rows.Orders.Add(new OrderRow(
                reader.GetString(0), new Identity(reader.GetString(1), NullableString(reader, 2)), reader.GetString(3), reader.GetInt64(4),
                NullableLong(reader, 5), NullableLong(reader, 6), NullableLong(reader, 7))));
        await ReadAsync($"""
            SELECT message_id, owner_kind, owner_id, customer_key, shop_customer_id, flow, step, variant, decided_at, sent_at
            FROM recovery_messages WHERE {filter} AND marketing = 1 AND (decided_at IS NOT NULL OR sent_at IS NOT NULL)
            """, bind, reader => rows.Messages.Add(new MessageRow(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), new Identity(reader.GetString(3), NullableString(reader, 4)),
                reader.GetString(5), Convert.ToInt32(reader.GetValue(6)), NullableString(reader, 7), NullableLong(reader, 8), NullableLong(reader, 9))));
        await ReadAsync($"""
            SELECT e.message_id, e.at FROM recovery_message_events e
            WHERE e.kind = 'clicked' AND e.message_id IN (SELECT message_id FROM recovery_messages WHERE {filter})
            """, bind, reader => rows.Clicks.Add((reader.GetString(0), reader.GetInt64(1))));
        await ReadAsync($"""
            SELECT owner_kind, owner_id, flow, customer_key, shop_customer_id, grp, grp_at, converted_order_id, currency, revenue
            FROM recovery_entries WHERE {filter}
            """, bind, reader => rows.Entries.Add(new EntryRow(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), new Identity(reader.GetString(3), NullableString(reader, 4)),
                NullableString(reader, 5), NullableLong(reader, 6), NullableString(reader, 7), NullableString(reader, 8), NullableLong(reader, 9))));
        await ReadAsync($"""
            SELECT order_id, message_id, flow, step, variant, converted_at, currency, revenue, discount
            FROM recovery_attributions WHERE order_id IN (SELECT order_id FROM recovery_orders WHERE {filter})
            """, bind, reader => rows.Attributions[reader.GetString(0)] = new Credit(
                reader.GetString(1), reader.GetString(2), Convert.ToInt32(reader.GetValue(3)), reader.GetString(4), reader.GetInt64(5),
                reader.GetString(6), reader.GetInt64(7), reader.GetInt64(8)));
        return rows;
    }

    private async Task ReadAsync(string sql, Action<System.Data.Common.DbCommand> bind, Action<System.Data.Common.DbDataReader> read)
    {
        await using var command = Command(sql);
        bind(command);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            read(reader);
        }
    }

    /// <summary>A condition for rows of these address keys or shop ids, and the parameters it needs.</summary>
    private static (string Filter, Action<System.Data.Common.DbCommand> Bind) Among(IReadOnlyCollection<string> keys, IReadOnlyCollection<string> shops)
    {
        var keyNames = keys.Select((_, i) => $"@k{i}").ToList();
        var shopNames = shops.Select((_, i) => $"@s{i}").ToList();
        var filter = string.Join(" OR ", new[]
        {
            keyNames.Count > 0 ? $"customer_key IN ({string.Join(", ", keyNames)})" : null,
            shopNames.Count > 0 ? $"shop_customer_id IN ({string.Join(", ", shopNames)})" : null,
        }.OfType<string>().DefaultIfEmpty("1 = 0"));
        return ($"({filter})", command =>
        {
            foreach (var (key, i) in keys.Select((key, i) => (key, i)))
            {
                command.With($"k{i}", key);
            }

            foreach (var (shop, i) in shops.Select((shop, i) => (shop, i)))
            {
                command.With($"s{i}", shop);
            }
        });
    }

    private static string? NullableString(System.Data.Common.DbDataReader reader, int column) => reader.IsDBNull(column) ? null : reader.GetString(column);

    private static long? NullableLong(System.Data.Common.DbDataReader reader, int column) => reader.IsDBNull(column) ? null : reader.GetInt64(column);

    private static DateTimeOffset FromMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    /// <summary>What an order was credited with: the message, and the money in the order's currency.</summary>
    private sealed record Credit(string MessageId, string Flow, int Step, string Variant, long ConvertedAt, string Currency, long Revenue, long Discount);

    private sealed record OrderRow(string OrderId, Identity Identity, string Currency, long Total, long? Discount, long? PaidAt, long? CancelledAt)
    {
        public bool Matches(Identity other) => Identity.Matches(other);
    }

    private sealed record MessageRow(string MessageId, string OwnerKind, string OwnerId, Identity Identity, string Flow, int Step, string? Variant, long? DecidedAt, long? SentAt);

    private sealed record EntryRow(string OwnerKind, string OwnerId, string Flow, Identity Identity, string? Group, long? GroupAt, string? ConvertedOrderId, string? Currency, long? Revenue);

    private sealed class Rows
    {
        public List<OrderRow> Orders { get; } = [];
        public List<MessageRow> Messages { get; } = [];
        public List<(string MessageId, long At)> Clicks { get; } = [];
        public List<EntryRow> Entries { get; } = [];
        public Dictionary<string, Credit> Attributions { get; } = [];

        public IEnumerable<long> ClicksOf(string messageId) => Clicks.Where(click => click.MessageId == messageId).Select(click => click.At);

        public IEnumerable<string> Keys() => Orders.Select(o => o.Identity).Concat(Messages.Select(m => m.Identity)).Concat(Entries.Select(e => e.Identity))
            .Select(identity => identity.Key).Where(key => key.Length > 0);

        public IEnumerable<string> Shops() => Orders.Select(o => o.Identity).Concat(Messages.Select(m => m.Identity)).Concat(Entries.Select(e => e.Identity))
            .Select(identity => identity.Shop).OfType<string>();
    }
}
