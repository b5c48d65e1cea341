using Npgsql;
using NpgsqlTypes;
using static Orleans.Recovery.Ledger.LedgerColumns;
using static Orleans.Recovery.Ledger.LedgerUpserts;

namespace Orleans.Recovery.Ledger;

/// <summary>
/// A PostgreSQL transaction's message events, of all its grains, written in a few statements whatever their number,
/// to the rows and counts <see cref="LedgerRows"/> writes one event at a time: an event is inserted only if its key is
/// new, and only the inserted ones, in the grains' order, merge into their message's row, move the counts, enter their
/// flow and touch their customer.
/// </summary>
internal sealed class MessageEventSet(DailyCountChanges counts, LedgerRows rows, EntrySet entries)
{
    private readonly List<Written> _events = [];
    private readonly Dictionary<(string MessageId, string Kind, long At), Written> _new = [];
    private readonly Dictionary<string, (string? Variant, long? FirstClickedAt)> _before = [];
    private readonly Dictionary<string, long> _firstClicks = [];

    public void Add(LedgerOwner owner, MessageEvent message)
    {
        var written = new Written(owner, message, Ms(message.At), LedgerMetric.Of(message.Kind));
        _events.Add(written);

        // Of events with the same key only the first can be inserted: the later ones conflict with it or with the row
        // it conflicted with. Clicks go one by one (see AddInserts).
        if (message.Kind != MessageEventKind.Clicked)
        {
            _new.TryAdd((message.MessageId, written.Kind, written.At), written);
        }
    }

    /// <summary>
    /// Adds the inserts of the new events: one statement for all but clicks, and one per click, which is rare beside
    /// sends and plans and must see the clicks inserted before it to keep <see cref="LedgerRows.ClicksKept"/> per message.
    /// </summary>
    public void AddInserts(PostgresRoundTrip trip)
    {
        var candidates = _new.Values.OrderBy(e => e.Message.MessageId, StringComparer.Ordinal).ThenBy(e => e.Kind, StringComparer.Ordinal).ThenBy(e => e.At).ToList();
        if (candidates.Count > 0)
        {
            trip.Add($"""
                INSERT INTO recovery_message_events ({EventColumns})
                SELECT * FROM unnest(@ids::text[], @kinds::text[], @ats::bigint[], @reasons::text[])
                ON CONFLICT DO NOTHING
                RETURNING message_id, kind, at
                """, new ColumnArrays<Written>(candidates).Text("ids", e => e.Message.MessageId).Text("kinds", e => e.Kind)
                .Bigint("ats", e => e.At).Text("reasons", e => e.Message.Reason).Parameters,
                reader => _new[(reader.GetString(0), reader.GetString(1), reader.GetInt64(2))].Inserted = true);
        }

        foreach (var click in _events.Where(e => e.Message.Kind == MessageEventKind.Clicked))
        {
            trip.Add($"{LedgerRows.ClickInsert} RETURNING at",
            [
                new NpgsqlParameter("id", NpgsqlDbType.Text) { Value = click.Message.MessageId },
                new NpgsqlParameter("kind", NpgsqlDbType.Text) { Value = click.Kind },
                new NpgsqlParameter("at", NpgsqlDbType.Bigint) { Value = click.At },
                new NpgsqlParameter("reason", NpgsqlDbType.Text) { Value = (object?)click.Message.Reason ?? DBNull.Value },
                new NpgsqlParameter("kept", NpgsqlDbType.Bigint) { Value = LedgerRows.ClicksKept },
            ], _ => click.Inserted = true);
        }
    }

    /// <summary>
    /// Once the inserts ran: adds the upsert of the inserted events' messages, one merged row each, which also returns
    /// the rows as they were before it (its CTEs share one snapshot) for the counts; their customers are locked, so no
    /// other writer changes them in between. Enters the decided events' flows and notes the customers touched.
    /// </summary>
    public void AddRows(PostgresRoundTrip trip)
    {
        var inserted = _events.Where(e => e.Inserted).ToList();
        if (inserted.Count == 0)
        {
            return;
        }

        var merged = inserted.GroupBy(e => e.Message.MessageId)
            .Select(message => MessageRowMerge.Of(message.Select(e => (e.Owner, e.Message))))
            .OrderBy(row => row.MessageId, StringComparer.Ordinal)
            .ToList();
        trip.Add($"""
            WITH incoming AS (
                SELECT * FROM unnest(@ids::text[], @ownerKinds::text[], @ownerIds::text[], @customerKeys::text[], @shopCustomerIds::text[],
                                     @flows::text[], @steps::integer[], @marketing::integer[], @variants::text[], @couponCodes::text[],
                                     @plannedAt::bigint[], @decidedAt::bigint[], @sentAt::bigint[])
                    AS message ({MessageColumns})
            ),
            earlier AS (
                SELECT message_id, variant, first_clicked_at FROM recovery_messages WHERE message_id IN (SELECT message_id FROM incoming)
            ),
            upserted AS (
                INSERT INTO recovery_messages ({MessageColumns}) SELECT * FROM incoming
                {MessageMerge}
            )
            SELECT message_id, variant, first_clicked_at FROM earlier
            """, MessageRowMerge.Arrays(merged), reader => _before[reader.GetString(0)] = (reader.TextOrNull(1), reader.LongOrNull(2)));

        foreach (var e in inserted)
        {
            var identity = CustomerIdentity.Of(e.Owner);
            var decided = StepDecision.IsDecided(e.Message.Kind, e.Message.Reason);
            if (decided)
            {
                entries.Add(e.Owner, identity, e.Message, e.At);
            }

            if (decided || e.Message.Kind is MessageEventKind.Sent or MessageEventKind.Clicked)
            {
                rows.Touch(identity, e.At);
            }
        }
    }

    /// <summary>
    /// Once the messages are upserted: counts each inserted event under the variant its message had once it was merged
    /// in, as the row-by-row upsert returns it, and works out the messages' first clicks.
    /// </summary>
    public void Count()
    {
        var messages = new Dictionary<string, (string? Variant, long? FirstClickedAt)>(_before);
        foreach (var e in _events.Where(e => e.Inserted))
        {
            var (variant, first) = messages.GetValueOrDefault(e.Message.MessageId);
            variant = e.Message.Variant ?? variant;
            if (e.Message.Kind != MessageEventKind.Clicked)
            {
                counts.Count(e.At, e.Message.Flow, e.Message.Step, variant ?? "", e.Kind, LedgerRows.DetailOf(e.Message), 1);
            }
            else if (LedgerRows.CountFirstClick(counts, e.Message, variant ?? "", first, e.At))
            {
                first = _firstClicks[e.Message.MessageId] = e.At;
            }

            messages[e.Message.MessageId] = (variant, first);
        }
    }

    /// <summary>Adds the update of the messages whose first click came earlier, if any.</summary>
    public void AddFirstClicks(PostgresRoundTrip trip)
    {
        if (_firstClicks.Count > 0)
        {
            var clicks = _firstClicks.OrderBy(click => click.Key, StringComparer.Ordinal).ToList();
            trip.Add("""
                UPDATE recovery_messages m SET first_clicked_at = c.at
                FROM unnest(@ids::text[], @ats::bigint[]) AS c (message_id, at) WHERE m.message_id = c.message_id
                """, new ColumnArrays<KeyValuePair<string, long>>(clicks).Text("ids", click => click.Key).Bigint("ats", click => click.Value).Parameters);
        }
    }

    /// <summary>An event of the transaction, with its key's time and kind, and whether it was inserted.</summary>
    private sealed class Written(LedgerOwner owner, MessageEvent message, long at, string kind)
    {
        public LedgerOwner Owner { get; } = owner;
        public MessageEvent Message { get; } = message;
        public long At { get; } = at;
        public string Kind { get; } = kind;
        public bool Inserted { get; set; }
    }
}
