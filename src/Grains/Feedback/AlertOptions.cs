using System.ComponentModel.DataAnnotations;
using Orleans.Recovery.Mail;

namespace Orleans.Recovery.Feedback;

/// <summary>
/// Where an unhappy customer is reported, bound from <c>Recovery:Alerts</c>: an email to the support address and,
/// when configured, a POST to the shop's webhook signed with HMAC-SHA256.
/// </summary>
public sealed class AlertOptions : IValidatableObject
{
    public const string Section = "Recovery:Alerts";

    /// <summary>A rating this low or lower raises an alert.</summary>
    public int RatingThreshold { get; set; } = 2;

    /// <summary>The support address; empty means <c>Recovery:Sender:ReplyTo</c>, which reaches a person.</summary>
    public string? Email { get; set; }

    /// <summary>The language of the alert email.</summary>
    public string Language { get; set; } = "en";

    public string? WebhookUrl { get; set; }

    /// <summary>The key the webhook's <c>X-Recovery-Signature</c> is made with.</summary>
    public string? WebhookSecret { get; set; }

    /// <summary>Set by the host: only Development may post the customer's name and address over plain http.</summary>
    internal bool IsDevelopment { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (RatingThreshold is < 1 or > 5)
        {
            yield return new ValidationResult($"{Section}:RatingThreshold must be from 1 to 5.", [nameof(RatingThreshold)]);
        }

        if (!string.IsNullOrEmpty(Email) && !SenderOptions.IsAddress(Email))
        {
            yield return new ValidationResult($"{Section}:Email must be an email address.", [nameof(Email)]);
        }

        if (!MailLocale.Languages.Contains(Language))
        {
            yield return new ValidationResult($"{Section}:Language must be one of {string.Join(", ", MailLocale.Languages)}.", [nameof(Language)]);
        }

        if (!string.IsNullOrEmpty(WebhookUrl))
        {
            if (!Uri.TryCreate(WebhookUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                yield return new ValidationResult($"{Section}:WebhookUrl must be an absolute https URL (http only in Development).", [nameof(WebhookUrl)]);
            }
            else if (uri.Scheme == "http" && !IsDevelopment)
            {
                yield return new ValidationResult($"{Section}:WebhookUrl must be an https URL outside Development: each alert carries the customer's name and email address.", [nameof(WebhookUrl)]);
            }

            if (string.IsNullOrEmpty(WebhookSecret) || WebhookSecret.Length < 16)
            {
                yield return new ValidationResult($"{Section}:WebhookSecret must be set, at least 16 characters, when {Section}:WebhookUrl is.", [nameof(WebhookSecret)]);
            }
            else if (!IsDevelopment && PlaceholderSecrets.IsPlaceholder(WebhookSecret))
            {
                yield return new ValidationResult(PlaceholderSecrets.Refusal($"{Section}:WebhookSecret"), [nameof(WebhookSecret)]);
            }
        }
    }
}
