using Orleans.Recovery.Flows;
using Orleans.Recovery.FollowUps;
using Orleans.Recovery.Ledger;

namespace Orleans.Recovery.Orders;

/// <summary>An order, what happened to it since, and the messages its flows still owe in its outbox.</summary>
[GenerateSerializer, Alias("order-state")]
public sealed partial class OrderState
{
    private const int MaxShipmentsOrDelays = 50;

    [Id(0)] public OrderPlaced? Order { get; set; }
    [Id(1)] public DateTimeOffset? ReceivedAt { get; set; }
    [Id(2)] public DateTimeOffset? CancelledAt { get; set; }
    [Id(3)] public PaymentFailure? PaymentFailure { get; set; }
    [Id(4)] public DateTimeOffset? PaidAt { get; set; }
    [Id(5)] public List<Shipment> Shipments { get; set; } = [];
    [Id(6)] public List<DelayRecord> Delays { get; set; } = [];
    [Id(7)] public DateTimeOffset? DeliveredAt { get; set; }
    [Id(8)] public Rating? Rating { get; set; }

    /// <summary>
    /// The flag a state written before <see cref="PaymentSequenceStartedAt"/> was kept says the sequence started with;
    /// read for those, and written beside the time only so a silo of the version before still reads it.
    /// </summary>
    [Id(12)] public bool PaymentSequenceStartedUntimed { get; set; }

    [Id(13)] public Outbox Outbox { get; set; } = new();

    /// <summary>When the first failed payment started the incomplete-payment sequence: the payment lead's creation.</summary>
    [Id(14)] public DateTimeOffset? PaymentSequenceStartedAt { get; set; }

    /// <summary>The incomplete-payment sequence runs once per order; a later failure updates what its unsent steps say.</summary>
    public bool PaymentSequenceStarted => PaymentSequenceStartedAt is not null || PaymentSequenceStartedUntimed;

    public bool IsCancelled => CancelledAt is not null;

    /// <summary>The last thing that happened to the order: an event, an answer, a message.</summary>
    public DateTimeOffset? LastActivity => new[]
    {
        ReceivedAt, PaidAt, CancelledAt, DeliveredAt, Rating?.At, PaymentFailure?.At,
        Delays.Count > 0 ? Delays.Max(delay => delay.ChoiceAt ?? delay.ReportedAt) : null,
        Outbox.Log.Where(record => !record.IsReport).Max(record => (DateTimeOffset?)record.At),
    }.Max();

    public bool HasRoomFor(IReadOnlyCollection<object> list) => list.Count < MaxShipmentsOrDelays;

    /// <summary>Nothing pending and nothing happened since <paramref name="cutoff"/>: retention may forget it.</summary>
    public bool IsRetired(DateTimeOffset cutoff) => Order is not null && Outbox.Pending.Count == 0 && !(LastActivity > cutoff);

    public OrderView? View() => Order is not { } placed ? null : new OrderView(
        placed,
        ReceivedAt,
        PaidAt,
        PaymentFailure,
        CancelledAt,
        [.. Shipments],
        [.. Delays.Select(delay => delay.KnownOptionsOnly())],
        DeliveredAt,
        Rating,
        [.. Outbox.Log],
        [.. Outbox.Pending.Select(m => new PendingMessageView(m.MessageId, m.Flow, m.StepNumber, m.DueAt, m.WakeAt, m.Attempts))]);

    /// <summary>
    /// The order as the leads list shows a failed payment, once one started the incomplete-payment sequence. Recovered
    /// once paid; finished when no payment reminder is left pending.
    /// </summary>
    public Lead? ToLead()
    {
        if (Order is not { } placed || !PaymentSequenceStarted)
        {
            return null;
        }

        var reminders = Outbox.Log.Where(record => record.Flow == FlowNames.IncompletePayment && !record.IsReport).ToList();
        return Leads.Of(Lead.PaymentType, placed.Customer, placed.Items, placed.Total, placed.Currency, reminders) with
        {
            CreatedAt = PaymentSequenceStartedAt ?? PaymentFailure?.At ?? ReceivedAt!.Value,
            LastActivityAt = LastActivity!.Value,
            Outcome = PaidAt is not null ? LeadOutcome.Recovered : LeadOutcome.Open,
            OrderId = PaidAt is not null ? placed.OrderId : null,
            FinishedAt = Outbox.Pending.Exists(message => message.Flow == FlowNames.IncompletePayment) ? null : reminders.Count > 0 ? reminders.Max(record => record.At) : CancelledAt,
            DeclineReason = PaymentFailure is { } failure ? OrderMail.ReasonName(failure.Reason) : null,
        };
    }
}
