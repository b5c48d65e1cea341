using Orleans.Recovery.Carts;
using Orleans.Recovery.Flows;

namespace Orleans.Recovery.Orders;

/// <summary>An order, what happened to it since, and the messages its flows still owe the customer.</summary>
[GenerateSerializer, Alias("order-state")]
public sealed class OrderState
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
    [Id(9)] public List<PendingMessage> Outbox { get; set; } = [];
    [Id(10)] public List<MessageRecord> Messages { get; set; } = [];
    [Id(11)] public DateTimeOffset? ReminderDueAt { get; set; }

    /// <summary>The incomplete-payment sequence runs once per order; a later failure updates what its unsent steps say.</summary>
    [Id(12)] public bool PaymentSequenceStarted { get; set; }

    public DateTimeOffset? WakeAt => Outbox.Count == 0 ? null : Outbox.Min(message => message.WakeAt);

    public bool IsCancelled => CancelledAt is not null;

    public bool HasRoomFor(IReadOnlyCollection<object> list) => list.Count < MaxShipmentsOrDelays;

    /// <summary>{orderId}/{flow}/{step}: stable, so no message can go out twice.</summary>
    public static string MessageId(string orderId, string flow, string step) => $"{orderId}/{flow}/{step}";

    /// <summary>The order id a message id belongs to (order ids may themselves hold slashes).</summary>
    public static string? OrderIdOf(string messageId)
    {
        var step = messageId.LastIndexOf('/');
        var flow = step > 0 ? messageId.LastIndexOf('/', step - 1) : -1;
        return flow > 0 ? messageId[..flow] : null;
    }

    /// <summary>The step part of a message id: "delay-2", "review-request".</summary>
    public static string StepOf(string messageId) => messageId[(messageId.LastIndexOf('/') + 1)..];

    /// <summary>True once a message with this id was sent, failed or skipped, or is waiting: it is never queued again.</summary>
    public bool Knows(string messageId) =>
        Outbox.Exists(message => message.MessageId == messageId)
        || Messages.Exists(record => record.MessageId == messageId && record.Status is MessageStatus.Sent or MessageStatus.Failed or MessageStatus.Skipped);

    public bool Enqueue(PendingMessage message)
    {
        if (Knows(message.MessageId))
        {
            return false;
        }

        Outbox.Add(message);
        return true;
    }

    /// <summary>
    /// Times the unsent steps of <paramref name="flow"/> on <paramref name="definition"/>; true when one moved. A step
    /// the definition no longer has stays put, and is skipped as removed when it comes due.
    /// </summary>
    public bool Retime(string flow, FlowDefinition definition)
    {
        var moved = false;
        foreach (var message in Outbox)
        {
            var index = definition.Steps.FindIndex(step => step.Name == message.Step);
            if (message.Flow != flow || message.TimedFrom is not { } from || index < 0)
            {
                continue;
            }

            var due = from + DelayOf(flow, definition, index);
            moved |= due != message.DueAt;
            message.DueAt = due;
        }

        return moved;
    }

    /// <summary>
    /// How long after its <see cref="PendingMessage.TimedFrom"/> step <paramref name="index"/> is due: incomplete-payment
    /// reminders are spaced from the one before; the review request counts from delivery.
    /// </summary>
    public static TimeSpan DelayOf(string flow, FlowDefinition definition, int index) =>
        flow == FlowNames.IncompletePayment ? definition.GapBefore(index) : definition.Steps[index].Delay;

    /// <summary>Drops the pending messages that match, each logged as skipped with <paramref name="reason"/>.</summary>
    public List<PendingMessage> Cancel(Predicate<PendingMessage> match, string reason, DateTimeOffset now)
    {
        var cancelled = Outbox.FindAll(match);
        foreach (var message in cancelled)
        {
            Skip(message, reason, now);
        }

        return cancelled;
    }

    public void Skip(PendingMessage message, string reason, DateTimeOffset now)
    {
        Outbox.Remove(message);
        Log(Record(message, MessageStatus.Skipped, reason, now));
    }

    public void Defer(PendingMessage message, string reason, DateTimeOffset until, DateTimeOffset now)
    {
        message.DeferredUntil = until;
        Log(Record(message, MessageStatus.Deferred, reason, now) with { DeferredUntil = until });
    }

    public MessageRecord Claim(PendingMessage message, string subject, string? variant, string? couponCode, DateTimeOffset now)
    {
        message.Attempts++;
        var claim = Record(message, MessageStatus.Sending, null, now) with { Subject = subject, Attempts = message.Attempts, Variant = variant, CouponCode = couponCode };
        Log(claim);
        return claim;
    }

    public static MessageRecord Record(PendingMessage message, MessageStatus status, string? reason, DateTimeOffset now) =>
        new(message.MessageId, message.Flow, message.StepNumber, status, reason, now, message.DueAt, null, message.Attempts);

    /// <summary>Adds a log entry; an entry still <see cref="MessageStatus.Sending"/> is replaced by its outcome.</summary>
    public void Log(MessageRecord record) => MessageLog.Add(Messages, record);
}
