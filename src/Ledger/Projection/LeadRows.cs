using System.Text.Json;
using static Orleans.Recovery.Ledger.LedgerColumns;

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

        await sql.ExecuteAsync("""
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
            .With("couponCode", lead.CouponCode).With("outcome", lead.Outcome == LeadOutcome.Recovered ? LeadStatus.Recovered : LeadStatus.Open)
            .With("orderId", lead.OrderId).With("finishedAt", lead.FinishedAt is { } finished ? Ms(finished) : null)
            .With("declineReason", lead.DeclineReason).With("revision", revision));
    }

    /// <summary>Like every ledger row the lead outlives the grain's state, but not the shopper's name and address.</summary>
    public Task ForgetAsync(LedgerOwner owner) =>
        sql.ExecuteAsync("UPDATE recovery_leads SET email = '', first_name = '', last_name = NULL WHERE type = @type AND id = @id",
            command => command.With("type", owner.Kind == LedgerOwner.Cart ? Lead.CartType : Lead.PaymentType).With("id", owner.Id));
}
