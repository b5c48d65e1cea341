using System.Data.Common;
using static Orleans.Recovery.Ledger.LedgerUpserts;

namespace Orleans.Recovery.Ledger;

/// <summary>
/// Flow entries of a PostgreSQL transaction's decided steps, in two statements whatever their number: a cart or order
/// enters a flow with its first step that came due, inserted only if new and then counted; its holdout group is set,
/// where still unset, by its first marketing step that came due, and counted too. As <see cref="LedgerRows"/> does
/// step by step: of one entry's steps in a transaction only the first can insert it, and only the first marketing one
/// can find its group unset.
/// </summary>
internal sealed class EntrySet(DailyCountChanges counts)
{
    private readonly Dictionary<(string OwnerKind, string OwnerId, string Flow), (CustomerIdentity Identity, long At)> _entered = [];
    private readonly Dictionary<(string OwnerKind, string OwnerId, string Flow), (string Group, long At)> _grouped = [];

    /// <summary>A decided step of <paramref name="owner"/>'s, in the transaction's order.</summary>
    public void Add(LedgerOwner owner, CustomerIdentity identity, MessageEvent message, long at)
    {
        var key = (owner.Kind, owner.Id, message.Flow);
        _entered.TryAdd(key, (identity, at));
        if (message.Marketing)
        {
            _grouped.TryAdd(key, (LedgerRows.GroupOf(message), at));
        }
    }

    /// <summary>Adds the entries' insert and the groups' update; each counts what it changed as it is read.</summary>
    public void AddTo(PostgresRoundTrip trip)
    {
        if (_entered.Count == 0)
        {
            return;
        }

        var entered = _entered.OrderBy(entry => Ordinal(entry.Key), StringComparer.Ordinal).ToList();
        trip.Add($"""
            INSERT INTO recovery_entries ({EntryColumns})
            SELECT * FROM unnest(@ownerKinds::text[], @ownerIds::text[], @flows::text[], @customerKeys::text[], @shopCustomerIds::text[], @at::bigint[])
            ON CONFLICT DO NOTHING
            RETURNING owner_kind, owner_id, flow
            """, new ColumnArrays<KeyValuePair<(string OwnerKind, string OwnerId, string Flow), (CustomerIdentity Identity, long At)>>(entered)
            .Text("ownerKinds", entry => entry.Key.OwnerKind).Text("ownerIds", entry => entry.Key.OwnerId).Text("flows", entry => entry.Key.Flow)
            .Text("customerKeys", entry => entry.Value.Identity.Key).Text("shopCustomerIds", entry => entry.Value.Identity.Shop)
            .Bigint("at", entry => entry.Value.At).Parameters, reader =>
            {
                var key = KeyOf(reader);
                counts.Count(_entered[key].At, key.Flow, 0, "", LedgerMetric.Entered, "", 1);
            });

        if (_grouped.Count == 0)
        {
            return;
        }

        var grouped = _grouped.OrderBy(entry => Ordinal(entry.Key), StringComparer.Ordinal).ToList();
        trip.Add("""
            UPDATE recovery_entries e SET grp = g.grp, grp_at = g.at
            FROM unnest(@ownerKinds::text[], @ownerIds::text[], @flows::text[], @groups::text[], @at::bigint[]) AS g (owner_kind, owner_id, flow, grp, at)
            WHERE e.owner_kind = g.owner_kind AND e.owner_id = g.owner_id AND e.flow = g.flow AND e.grp IS NULL
            RETURNING e.owner_kind, e.owner_id, e.flow
            """, new ColumnArrays<KeyValuePair<(string OwnerKind, string OwnerId, string Flow), (string Group, long At)>>(grouped)
            .Text("ownerKinds", entry => entry.Key.OwnerKind).Text("ownerIds", entry => entry.Key.OwnerId).Text("flows", entry => entry.Key.Flow)
            .Text("groups", entry => entry.Value.Group).Bigint("at", entry => entry.Value.At).Parameters, reader =>
            {
                var key = KeyOf(reader);
                var (group, at) = _grouped[key];
                counts.Count(at, key.Flow, 0, "", LedgerMetric.EnteredIn(group), "", 1);
            });
    }

    /// <summary>One order for the rows' locks, whoever takes them.</summary>
    private static string Ordinal((string OwnerKind, string OwnerId, string Flow) key) => $"{key.OwnerKind}\n{key.OwnerId}\n{key.Flow}";

    private static (string OwnerKind, string OwnerId, string Flow) KeyOf(DbDataReader reader) => (reader.GetString(0), reader.GetString(1), reader.GetString(2));
}
