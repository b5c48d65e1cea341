using System.ComponentModel.DataAnnotations;

namespace Orleans.Recovery.Api.Connectors;

/// <summary>
/// The inbound connectors, bound from <c>Recovery:Connectors</c>: each is on once its secret is set. Secrets are
/// validated at start like the API keys (no placeholder values outside Development) and never logged.
/// </summary>
public sealed class ConnectorOptions : IValidatableObject
{
    public const string Section = "Recovery:Connectors";

    public SecretOptions Shopify { get; set; } = new();

    public SecretOptions WooCommerce { get; set; } = new();

    public StripeOptions Stripe { get; set; } = new();

    internal bool IsDevelopment { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (name, secret) in new[] { (nameof(Shopify), Shopify.Secret), (nameof(WooCommerce), WooCommerce.Secret), (nameof(Stripe), Stripe.Secret) })
        {
            var key = $"{Section}:{name}:Secret";
            if (secret is null)
            {
                continue;
            }

            if (secret.Length < 16)
            {
                yield return new ValidationResult($"{key} must be at least 16 characters: the webhook signing secret the provider shows.", [name]);
            }
            else if (!IsDevelopment && PlaceholderSecrets.IsPlaceholder(secret))
            {
                yield return new ValidationResult(PlaceholderSecrets.Refusal(key), [name]);
            }
        }

        if (string.IsNullOrWhiteSpace(Stripe.OrderIdMetadata) || Stripe.OrderIdMetadata.Length > 40)
        {
            yield return new ValidationResult($"{Section}:Stripe:OrderIdMetadata must be a metadata key of 1 to 40 characters.", [nameof(Stripe)]);
        }

        if (Stripe.RetryUrl is { } template && !Stripe.IsRetryUrlTemplate(template))
        {
            yield return new ValidationResult(
                $"{Section}:Stripe:RetryUrl must be an absolute http or https URL holding {{orderId}}, such as https://shop.example/pay/{{orderId}}.", [nameof(Stripe)]);
        }
    }

    /// <summary>A provider's webhook signing secret; null turns its connector off.</summary>
    public class SecretOptions
    {
        public string? Secret { get; set; }

        public bool Enabled => !string.IsNullOrEmpty(Secret);
    }

    public sealed class StripeOptions : SecretOptions
    {
        /// <summary>The PaymentIntent or Invoice metadata key that holds the shop's order id.</summary>
        public string OrderIdMetadata { get; set; } = "order_id";

        /// <summary>Where a shopper pays again, with <c>{orderId}</c>, when the event's metadata names no <c>retry_url</c>.</summary>
        public string? RetryUrl { get; set; }

        /// <summary>How far a delivery's signed time may be from now.</summary>
        public static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

        public bool IsRetryUrlTemplate(string template) =>
            template.Contains("{orderId}", StringComparison.Ordinal)
            && Validation.HttpUrls.TryNormalize(template.Replace("{orderId}", "1", StringComparison.Ordinal), out _);

        public string? RetryUrlFor(string orderId) => RetryUrl?.Replace("{orderId}", Uri.EscapeDataString(orderId), StringComparison.Ordinal);
    }
}
