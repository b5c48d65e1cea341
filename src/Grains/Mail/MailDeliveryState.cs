namespace Orleans.Recovery.Mail;

/// <summary>Whether one message id has been delivered, so that no retry or duplicate tick sends it twice.</summary>
[GenerateSerializer, Alias("mail-delivery-state")]
public sealed class MailDeliveryState
{
    [Id(0)] public DateTimeOffset? DeliveredAt { get; set; }
    [Id(1)] public int Attempts { get; set; }
    [Id(2)] public string? LastFailure { get; set; }
}
