using static Orleans.Recovery.Ledger.LedgerColumns;

namespace Orleans.Recovery.Ledger;

/// <summary>
/// Attribution and the holdout's conversions, worked out again for every customer a transaction's rows can change,
/// from all of that customer's rows, so that a touch or an order that reaches the ledger late, from another grain or
/// silo, is credited exactly as if it had come in time. The daily counts move by the difference.
/// </summary>
internal sealed class LedgerAttribution(LedgerSql sql, DailyCountChanges counts, AttributionOptions attribution)
{
    /// <summary>
    /// Works out again the attribution of every order, and the conversion of every entry, that the new rows may
    /// change: those of the <paramref name="ordered"/> customers, and of the <paramref name="touched"/> ones with an
    /// order paid since their touch. Their customers must be locked.
    /// </summary>
    public async Task AttributeAsync(IReadOnlySet<CustomerIdentity> ordered, IReadOnlyDictionary<CustomerIdentity, long> touched)
    {
        var customers = new HashSet<CustomerIdentity>(ordered);
        if (touched.Count > 0)
        {
            // A touch or a decision changes nothing for a customer with no order paid since: most sends stop here.
            foreach (var paid in await PaidSinceAsync(touched))
            {
                customers.UnionWith(touched.Where(touch => touch.Value <= paid.At && paid.Identity.Matches(touch.Key)).Select(touch => touch.Key));
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
    private async Task<IReadOnlyCollection<string>> AttributeAsync(CustomerIdentity customer)
    {
        var rows = await StitchedRows.LoadAsync(sql, customer);
        foreach (var order in rows.Orders)
        {
            await AttributeOrderAsync(order, rows);
        }

        foreach (var entry in rows.Entries.Where(entry => entry.Group is not null))
        {
            await ConvertEntryAsync(entry, rows);
        }

        return rows.Keys;
    }

    private async Task AttributeOrderAsync(OrderRow order, StitchedRows rows)
    {
        Credit? credit = null;
        if (order.PaidAt is { } paid && order.CancelledAt is null)
        {
            var touches = rows.Messages
                .Where(message => message.SentAt is not null && order.Matches(message.Identity))
                .Select(message => new Touch(
                    message.MessageId, message.Flow, message.Step, message.Variant, true, Time(message.SentAt!.Value),
                    [.. rows.ClicksOf(message.MessageId).Select(Time)],
                    message.OwnerKind == LedgerOwner.Order ? message.OwnerId : null));
            if (Attribution.For(Time(paid), touches, attribution.Model, attribution.Window, order.OrderId) is { } touch)
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
            await sql.ExecuteAsync("DELETE FROM recovery_attributions WHERE order_id = @id", command => command.With("id", order.OrderId));
        }

        if (credit is not null)
        {
            CountCredit(credit, 1);
            await sql.ExecuteAsync("""
                INSERT INTO recovery_attributions (order_id, message_id, flow, step, variant, converted_at, currency, revenue, discount)
                VALUES (@orderId, @messageId, @flow, @step, @variant, @convertedAt, @currency, @revenue, @discount)
                """, command => command.With("orderId", order.OrderId).With("messageId", credit.MessageId).With("flow", credit.Flow)
                .With("step", credit.Step).With("variant", credit.Variant).With("convertedAt", credit.ConvertedAt)
                .With("currency", credit.Currency).With("revenue", credit.Revenue).With("discount", credit.Discount));
        }
    }

    private void CountCredit(Credit credit, int sign)
    {
        counts.Count(credit.ConvertedAt, credit.Flow, credit.Step, credit.Variant, LedgerMetric.Recovered, "", sign);
        counts.Count(credit.ConvertedAt, credit.Flow, credit.Step, credit.Variant, LedgerMetric.Revenue, credit.Currency, 0, sign * credit.Revenue);
        if (credit.Discount != 0)
        {
            counts.Count(credit.ConvertedAt, credit.Flow, credit.Step, credit.Variant, LedgerMetric.Discount, credit.Currency, 0, sign * credit.Discount);
        }
    }

    /// <summary>The entry's conversion: the first paid order within the window after one of its marketing steps came due.</summary>
    private async Task ConvertEntryAsync(EntryRow entry, StitchedRows rows)
    {
        var decided = rows.Messages
            .Where(message => message.OwnerKind == entry.OwnerKind && message.OwnerId == entry.OwnerId && message.Flow == entry.Flow && message.DecidedAt is not null)
            .Select(message => Time(message.DecidedAt!.Value))
            .ToList();

        // A failed payment converts when that very order is paid; a cart or a review request, when its customer orders.
        var candidates = rows.Orders
            .Where(order => entry.Flow == FlowNames.IncompletePayment && entry.OwnerKind == LedgerOwner.Order ? order.OrderId == entry.OwnerId : order.Matches(entry.Identity))
            .Where(order => order.PaidAt is not null && order.CancelledAt is null)
            .Select(order => new Conversion(order.OrderId, Time(order.PaidAt!.Value)));
        var converted = EntryConversion.Of(decided, candidates, attribution.Window) is { } conversion
            ? rows.Orders.First(order => order.OrderId == conversion.OrderId)
            : null;
        if (converted?.OrderId == entry.ConvertedOrderId && (converted is null || (converted.Currency == entry.Currency && converted.Total == entry.Revenue)))
        {
            return;
        }

        var group = entry.Group!;
        if (entry.ConvertedOrderId is not null)
        {
            counts.Count(entry.GroupAt!.Value, entry.Flow, 0, "", LedgerMetric.ConvertedIn(group), "", -1);
            counts.Count(entry.GroupAt!.Value, entry.Flow, 0, "", LedgerMetric.RevenueIn(group), entry.Currency ?? "", 0, -(entry.Revenue ?? 0));
        }

        if (converted is not null)
        {
            counts.Count(entry.GroupAt!.Value, entry.Flow, 0, "", LedgerMetric.ConvertedIn(group), "", 1);
            counts.Count(entry.GroupAt!.Value, entry.Flow, 0, "", LedgerMetric.RevenueIn(group), converted.Currency, 0, converted.Total);
        }

        await sql.ExecuteAsync("""
            UPDATE recovery_entries SET converted_order_id = @orderId, currency = @currency, revenue = @revenue
            WHERE owner_kind = @ownerKind AND owner_id = @ownerId AND flow = @flow
            """, command => command.With("orderId", converted?.OrderId).With("currency", converted?.Currency).With("revenue", converted?.Total)
            .With("ownerKind", entry.OwnerKind).With("ownerId", entry.OwnerId).With("flow", entry.Flow));
    }

    /// <summary>Orders paid since the earliest new touch, of the customers with new touches.</summary>
    private async Task<List<(CustomerIdentity Identity, long At)>> PaidSinceAsync(IReadOnlyDictionary<CustomerIdentity, long> touched)
    {
        var (filter, bind) = StitchedRows.Among(touched.Keys.Select(identity => identity.Key).Where(key => key.Length > 0).ToHashSet(),
            touched.Keys.Select(identity => identity.Shop).OfType<string>().ToHashSet());
        var paid = new List<(CustomerIdentity, long)>();
        await sql.ReadAsync($"SELECT customer_key, shop_customer_id, paid_at FROM recovery_orders WHERE {filter} AND paid_at >= @since",
            command =>
            {
                bind(command);
                command.With("since", touched.Values.Min());
            },
            reader => paid.Add((new CustomerIdentity(reader.GetString(0), reader.TextOrNull(1)), reader.GetInt64(2))));
        return paid;
    }
}
