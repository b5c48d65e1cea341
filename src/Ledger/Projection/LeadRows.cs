using System.Text.Json;
using static Orleans.Recovery.Ledger.LedgerColumns;
using static Orleans.Recovery.Ledger.LedgerUpserts;

namespace Orleans.Recovery.Ledger;

/// <summary>
/// The leads list's rows: an abandoned cart or a failed payment as its grain has it now, replaced only by a newer
/// revision, and stripped of the shopper's name and address when the grain forgets them.
/// </summary>
internal sealed class LeadRows(LedgerSql sql)
{
    /// <summary>The lead as its grain has it now, unless a newer revision is in, or the customer was erased.</summary>
    public async Task WriteAsync(LedgerOwner owner, string customerKey, Lead lead, long revision)
    {
        if (await sql.ScalarAsync<long?>("SELECT erased_at FROM recovery_customers WHERE customer_key = @key", command => command.With("key", customerKey)) is not null)
        {
            return;
        }

        var row = LeadRow.Of(owner, customerKey, lead, revision);
        await sql.ExecuteAsync($"""
            INSERT INTO recovery_leads ({LeadColumns})
            VALUES (@type, @id, @customerKey, @email, @firstName, @lastName, @locale, @country, @items, @total, @currency,
                    @createdAt, @lastActivityAt, @stepsSent, @couponCode, @outcome, @orderId, @finishedAt, @declineReason, @revision)
            {LeadReplace}
            """, command => command.With("type", row.Type).With("id", row.Id).With("customerKey", row.CustomerKey).With("email", row.Email)
            .With("firstName", row.FirstName).With("lastName", row.LastName).With("locale", row.Locale).With("country", row.Country)
            .With("items", row.Items).With("total", row.Total).With("currency", row.Currency).With("createdAt", row.CreatedAt)
            .With("lastActivityAt", row.LastActivityAt).With("stepsSent", row.StepsSent).With("couponCode", row.CouponCode)
            .With("outcome", row.Outcome).With("orderId", row.OrderId).With("finishedAt", row.FinishedAt)
            .With("declineReason", row.DeclineReason).With("revision", row.Revision));
    }

    /// <summary>Like every ledger row the lead outlives the grain's state, but not the shopper's name and address.</summary>
    public Task ForgetAsync(LedgerOwner owner) =>
        sql.ExecuteAsync("UPDATE recovery_leads SET email = '', first_name = '', last_name = NULL WHERE type = @type AND id = @id",
            command => command.With("type", ForgottenType(owner)).With("id", owner.Id));

    /// <summary>The type of the lead a grain's <see cref="Forgotten"/> strips: its cart's, or its order's failed payment's.</summary>
    public static string ForgottenType(LedgerOwner owner) => owner.Kind == LedgerOwner.Cart ? Lead.CartType : Lead.PaymentType;
}

/// <summary>A lead as <c>recovery_leads</c> keeps it: money in units, times in Unix ms, items as JSON, the outcome as its status.</summary>
internal sealed record LeadRow(
    string Type, string Id, string CustomerKey, string Email, string FirstName, string? LastName, string? Locale, string? Country,
    string Items, long Total, string Currency, long CreatedAt, long LastActivityAt, int StepsSent, string? CouponCode, string Outcome,
    string? OrderId, long? FinishedAt, string? DeclineReason, long Revision)
{
    public static LeadRow Of(LedgerOwner owner, string customerKey, Lead lead, long revision) => new(
        lead.Type, owner.Id, customerKey, lead.Email, lead.FirstName, lead.LastName, lead.Locale, lead.Country,
        JsonSerializer.Serialize(lead.Items, ItemsJson), Units(lead.Total), lead.Currency, Ms(lead.CreatedAt), Ms(lead.LastActivityAt),
        lead.StepsSent, lead.CouponCode, lead.Outcome == LeadOutcome.Recovered ? LeadStatus.Recovered : LeadStatus.Open,
        lead.OrderId, lead.FinishedAt is { } finished ? Ms(finished) : null, lead.DeclineReason, revision);
}
