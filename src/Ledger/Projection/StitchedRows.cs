using System.Data.Common;

namespace Orleans.Recovery.Ledger;

/// <summary>
/// Every row of one customer that attribution and the holdout read: their orders, marketing messages and clicks, flow
/// entries and the orders' present credits. The customer is stitched: whatever shares an address key or a shop id
/// with what is loaded belongs to them too.
/// </summary>
internal sealed class StitchedRows
{
    public List<OrderRow> Orders { get; } = [];
    public List<MessageRow> Messages { get; } = [];
    public List<(string MessageId, long At)> Clicks { get; } = [];
    public List<EntryRow> Entries { get; } = [];
    public Dictionary<string, Credit> Attributions { get; } = [];

    /// <summary>The address keys the rows cover.</summary>
    public IReadOnlySet<string> Keys { get; private set; } = new HashSet<string>();

    public IEnumerable<long> ClicksOf(string messageId) => Clicks.Where(click => click.MessageId == messageId).Select(click => click.At);

    /// <summary>Loads the rows of <paramref name="customer"/> and of everyone stitched to them.</summary>
    public static async Task<StitchedRows> LoadAsync(LedgerSql sql, CustomerIdentity customer)
    {
        var keys = new HashSet<string> { customer.Key };
        var shops = new HashSet<string>();
        if (customer.Shop is { } shop)
        {
            shops.Add(shop);
        }

        // A few rounds reach every customer a storefront's ids join; more would mean one id shared by many shoppers.
        StitchedRows rows;
        for (var round = 0; ; round++)
        {
            rows = await LoadAsync(sql, keys, shops);
            var (moreKeys, moreShops) = (keys.Count, shops.Count);
            keys.UnionWith(rows.Identities().Select(identity => identity.Key).Where(key => key.Length > 0));
            shops.UnionWith(rows.Identities().Select(identity => identity.Shop).OfType<string>());
            if ((keys.Count == moreKeys && shops.Count == moreShops) || round == 3)
            {
                break;
            }
        }

        rows.Keys = keys;
        return rows;
    }

    /// <summary>A condition for rows of these address keys or shop ids, and the parameters it needs.</summary>
    public static (string Filter, Action<DbCommand> Bind) Among(IReadOnlyCollection<string> keys, IReadOnlyCollection<string> shops)
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

    private IEnumerable<CustomerIdentity> Identities() =>
        Orders.Select(o => o.Identity).Concat(Messages.Select(m => m.Identity)).Concat(Entries.Select(e => e.Identity));

    private static async Task<StitchedRows> LoadAsync(LedgerSql sql, HashSet<string> keys, HashSet<string> shops)
    {
        var (filter, bind) = Among(keys, shops);
        var rows = new StitchedRows();
        await sql.ReadAsync($"""
            SELECT order_id, customer_key, shop_customer_id, currency, total, discount, paid_at, cancelled_at
            FROM recovery_orders WHERE {filter}
            """, bind, reader => rows.Orders.Add(new OrderRow(
                reader.GetString(0), new CustomerIdentity(reader.GetString(1), reader.TextOrNull(2)), reader.GetString(3), reader.GetInt64(4),
                reader.LongOrNull(5), reader.LongOrNull(6), reader.LongOrNull(7))));
        await sql.ReadAsync($"""
            SELECT message_id, owner_kind, owner_id, customer_key, shop_customer_id, flow, step, variant, decided_at, sent_at
            FROM recovery_messages WHERE {filter} AND marketing = 1 AND (decided_at IS NOT NULL OR sent_at IS NOT NULL)
            """, bind, reader => rows.Messages.Add(new MessageRow(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), new CustomerIdentity(reader.GetString(3), reader.TextOrNull(4)),
                reader.GetString(5), reader.Int(6), reader.TextOrNull(7), reader.LongOrNull(8), reader.LongOrNull(9))));
        await sql.ReadAsync($"""
            SELECT e.message_id, e.at FROM recovery_message_events e
            WHERE e.kind = '{LedgerMetric.Clicked}' AND e.message_id IN (SELECT message_id FROM recovery_messages WHERE {filter})
            """, bind, reader => rows.Clicks.Add((reader.GetString(0), reader.GetInt64(1))));
        await sql.ReadAsync($"""
            SELECT owner_kind, owner_id, flow, customer_key, shop_customer_id, grp, grp_at, converted_order_id, currency, revenue
            FROM recovery_entries WHERE {filter}
            """, bind, reader => rows.Entries.Add(new EntryRow(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), new CustomerIdentity(reader.GetString(3), reader.TextOrNull(4)),
                reader.TextOrNull(5), reader.LongOrNull(6), reader.TextOrNull(7), reader.TextOrNull(8), reader.LongOrNull(9))));
        await sql.ReadAsync($"""
            SELECT order_id, message_id, flow, step, variant, converted_at, currency, revenue, discount
            FROM recovery_attributions WHERE order_id IN (SELECT order_id FROM recovery_orders WHERE {filter})
            """, bind, reader => rows.Attributions[reader.GetString(0)] = new Credit(
                reader.GetString(1), reader.GetString(2), reader.Int(3), reader.GetString(4), reader.GetInt64(5),
                reader.GetString(6), reader.GetInt64(7), reader.GetInt64(8)));
        return rows;
    }
}

/// <summary>What an order was credited with: the message, and the money in the order's currency.</summary>
internal sealed record Credit(string MessageId, string Flow, int Step, string Variant, long ConvertedAt, string Currency, long Revenue, long Discount);

internal sealed record OrderRow(string OrderId, CustomerIdentity Identity, string Currency, long Total, long? Discount, long? PaidAt, long? CancelledAt)
{
    public bool Matches(CustomerIdentity other) => Identity.Matches(other);
}

internal sealed record MessageRow(string MessageId, string OwnerKind, string OwnerId, CustomerIdentity Identity, string Flow, int Step, string? Variant, long? DecidedAt, long? SentAt);

internal sealed record EntryRow(string OwnerKind, string OwnerId, string Flow, CustomerIdentity Identity, string? Group, long? GroupAt, string? ConvertedOrderId, string? Currency, long? Revenue);
