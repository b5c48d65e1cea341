using static Orleans.Recovery.Ledger.LedgerColumns;

namespace Orleans.Recovery.Ledger;

/// <summary>
/// A message's new events of one transaction as the one row a statement upserts: PostgreSQL's ON CONFLICT DO UPDATE
/// touches a row once per statement, so the events are merged first by <see cref="LedgerUpserts.MessageMerge"/>'s own
/// rules, in their order. The first event's owner and step make the row, should it be new; the last variant and coupon
/// given win; the first planned, decided and sent times stay. Upserted once, it leaves what upserting each in turn would.
/// </summary>
internal sealed record MessageRowMerge(
    string MessageId, string OwnerKind, string OwnerId, string CustomerKey, string? ShopCustomerId, string Flow, int Step, int Marketing,
    string? Variant, string? CouponCode, long? PlannedAt, long? DecidedAt, long? SentAt)
{
    /// <summary>The row of <paramref name="events"/>, all of one message, in the transaction's order.</summary>
    public static MessageRowMerge Of(IEnumerable<(LedgerOwner Owner, MessageEvent Message)> events)
    {
        MessageRowMerge? row = null;
        foreach (var (owner, message) in events)
        {
            var at = Ms(message.At);
            var decided = StepDecision.IsDecided(message.Kind, message.Reason);
            row = row is null
                ? new MessageRowMerge(message.MessageId, owner.Kind, owner.Id, owner.CustomerKey ?? "", owner.ShopCustomerId, message.Flow, message.Step,
                    message.Marketing ? 1 : 0, message.Variant, message.CouponCode,
                    message.Kind == MessageEventKind.Planned ? at : null, decided ? at : null, message.Kind == MessageEventKind.Sent ? at : null)
                : row with
                {
                    Variant = message.Variant ?? row.Variant,
                    CouponCode = message.CouponCode ?? row.CouponCode,
                    PlannedAt = row.PlannedAt ?? (message.Kind == MessageEventKind.Planned ? at : null),
                    DecidedAt = row.DecidedAt ?? (decided ? at : null),
                    SentAt = row.SentAt ?? (message.Kind == MessageEventKind.Sent ? at : null),
                };
        }

        return row ?? throw new ArgumentException("A message row needs at least one event.", nameof(events));
    }

    /// <summary>The rows as the arrays <see cref="MessageEventSet"/>'s upsert unnests, in <see cref="LedgerUpserts.MessageColumns"/>' order.</summary>
    public static IReadOnlyList<Npgsql.NpgsqlParameter> Arrays(IReadOnlyList<MessageRowMerge> rows) => new ColumnArrays<MessageRowMerge>(rows)
        .Text("ids", row => row.MessageId).Text("ownerKinds", row => row.OwnerKind).Text("ownerIds", row => row.OwnerId)
        .Text("customerKeys", row => row.CustomerKey).Text("shopCustomerIds", row => row.ShopCustomerId).Text("flows", row => row.Flow)
        .Integer("steps", row => row.Step).Integer("marketing", row => row.Marketing).Text("variants", row => row.Variant)
        .Text("couponCodes", row => row.CouponCode).Bigint("plannedAt", row => row.PlannedAt).Bigint("decidedAt", row => row.DecidedAt)
        .Bigint("sentAt", row => row.SentAt).Parameters;
}
