using static Orleans.Recovery.Ledger.LedgerUpserts;

namespace Orleans.Recovery.Ledger;

/// <summary>
/// The leads of a PostgreSQL transaction's grains in one statement whatever their number, the erased check inside it,
/// to the rows <see cref="LeadRows"/> writes one at a time. A grain appended twice in one transaction brings its lead
/// twice, and a statement touches a row once: its newest revision, the last of equal ones, is what the upserts in turn
/// would have left. A lead forgotten in the same transaction, or appended under two customer keys, is rare and its
/// order matters: those go row by row, in the grains' order.
/// </summary>
internal sealed class LeadSet(LeadRows rows)
{
    private readonly List<Step> _steps = [];

    /// <summary>The grain forgot its shopper: its lead loses their name and address.</summary>
    public void Forget(LedgerOwner owner) => _steps.Add(new Step(LeadRows.ForgottenType(owner), owner, null, null, 0));

    /// <summary>The grain's lead as it stands.</summary>
    public void Write(LedgerOwner owner, string customerKey, Lead lead, long revision) => _steps.Add(new Step(lead.Type, owner, customerKey, lead, revision));

    /// <summary>Adds the upsert of every lead that needs no order, unless its customer was erased.</summary>
    public void AddTo(PostgresRoundTrip trip)
    {
        var inTurn = InTurn();
        var leads = _steps.Where(step => step.Lead is not null && !inTurn.Contains(step.Key))
            .GroupBy(step => step.Key)
            .Select(lead => lead.Last(step => step.Revision == lead.Max(newest => newest.Revision)))
            .OrderBy(step => $"{step.Type}\n{step.Owner.Id}", StringComparer.Ordinal)
            .Select(step => LeadRow.Of(step.Owner, step.CustomerKey!, step.Lead!, step.Revision))
            .ToList();
        if (leads.Count == 0)
        {
            return;
        }

        trip.Add($"""
            INSERT INTO recovery_leads ({LeadColumns})
            SELECT lead.* FROM unnest(@types::text[], @ids::text[], @customerKeys::text[], @emails::text[], @firstNames::text[], @lastNames::text[],
                                      @locales::text[], @countries::text[], @items::text[], @totals::bigint[], @currencies::text[], @createdAt::bigint[],
                                      @lastActivityAt::bigint[], @stepsSent::integer[], @couponCodes::text[], @outcomes::text[], @orderIds::text[],
                                      @finishedAt::bigint[], @declineReasons::text[], @revisions::bigint[]) AS lead ({LeadColumns})
            WHERE NOT EXISTS (SELECT FROM recovery_customers c WHERE c.customer_key = lead.customer_key AND c.erased_at IS NOT NULL)
            {LeadReplace}
            RETURNING type
            """, new ColumnArrays<LeadRow>(leads)
            .Text("types", lead => lead.Type).Text("ids", lead => lead.Id).Text("customerKeys", lead => lead.CustomerKey)
            .Text("emails", lead => lead.Email).Text("firstNames", lead => lead.FirstName).Text("lastNames", lead => lead.LastName)
            .Text("locales", lead => lead.Locale).Text("countries", lead => lead.Country).Text("items", lead => lead.Items)
            .Bigint("totals", lead => lead.Total).Text("currencies", lead => lead.Currency).Bigint("createdAt", lead => lead.CreatedAt)
            .Bigint("lastActivityAt", lead => lead.LastActivityAt).Integer("stepsSent", lead => lead.StepsSent)
            .Text("couponCodes", lead => lead.CouponCode).Text("outcomes", lead => lead.Outcome).Text("orderIds", lead => lead.OrderId)
            .Bigint("finishedAt", lead => lead.FinishedAt).Text("declineReasons", lead => lead.DeclineReason)
            .Bigint("revisions", lead => lead.Revision).Parameters, _ => { });
    }

    /// <summary>Writes the leads whose order matters, row by row, in the grains' order.</summary>
    public async Task WriteInTurnAsync()
    {
        var inTurn = InTurn();
        foreach (var step in _steps.Where(step => inTurn.Contains(step.Key)))
        {
            await (step.Lead is { } lead ? rows.WriteAsync(step.Owner, step.CustomerKey!, lead, step.Revision) : rows.ForgetAsync(step.Owner));
        }
    }

    /// <summary>Leads forgotten in this transaction, or appended under two customer keys (each with its own erased check).</summary>
    private HashSet<(string Type, string Id)> InTurn() =>
    [
        .. _steps.GroupBy(step => step.Key)
            .Where(lead => lead.Any(step => step.Lead is null) || lead.Select(step => step.CustomerKey).Distinct().Count() > 1)
            .Select(lead => lead.Key),
    ];

    private sealed record Step(string Type, LedgerOwner Owner, string? CustomerKey, Lead? Lead, long Revision)
    {
        public (string Type, string Id) Key => (Type, Owner.Id);
    }
}
