namespace Orleans.Recovery.Mail;

/// <summary>A common question and its answer, shown in the abandoned-cart email.</summary>
public sealed class FaqEntry
{
    public string Question { get; set; } = "";

    public string Answer { get; set; } = "";
}

/// <summary>Shop content for emails, bound from <c>Recovery:Content</c>: the FAQ per language.</summary>
public sealed class ContentOptions
{
    public const string Section = "Recovery:Content";

    public Dictionary<string, List<FaqEntry>> Faq { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The shop's promises, listed in the order confirmation, per language.</summary>
    public Dictionary<string, List<string>> Guarantees { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Other ways to pay, offered when a payment failed, per language.</summary>
    public Dictionary<string, List<string>> PaymentAlternatives { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public IReadOnlyList<string> GuaranteesFor(string language) =>
        Guarantees.TryGetValue(language, out var entries) && entries.Count > 0 ? entries : language == "de"
            ? ["30 Tage Rückgaberecht, ohne Angabe von Gründen.", "Sichere Bezahlung, verschlüsselt übertragen.", "Antwort auf jede Frage innerhalb eines Werktags."]
            : ["30-day returns, no questions asked.", "Secure, encrypted payment.", "An answer to every question within one business day."];

    public IReadOnlyList<string> PaymentAlternativesFor(string language) =>
        PaymentAlternatives.TryGetValue(language, out var entries) && entries.Count > 0 ? entries : language == "de"
            ? ["eine andere Kredit- oder Debitkarte", "PayPal", "Überweisung (Vorkasse)"]
            : ["another credit or debit card", "PayPal", "bank transfer"];

    public IReadOnlyList<FaqEntry> FaqFor(string language) =>
        Faq.TryGetValue(language, out var entries) && entries.Count > 0 ? entries : DefaultFaq(language);

    private static List<FaqEntry> DefaultFaq(string language) => language == "de"
        ?
        [
            new() { Question = "Ist die Bezahlung sicher?", Answer = "Ja. Die Zahlung läuft verschlüsselt über unseren Zahlungsdienstleister; wir sehen Ihre Kartendaten nie." },
            new() { Question = "Was kostet der Versand?", Answer = "Die Versandkosten sehen Sie oben in der Übersicht Ihres Warenkorbs." },
            new() { Question = "Kann ich zurückgeben?", Answer = "Sie können jeden Artikel innerhalb von 30 Tagen zurückgeben." },
        ]
        :
        [
            new() { Question = "Is payment secure?", Answer = "Yes. Payment is encrypted and handled by our payment provider; we never see your card details." },
            new() { Question = "What does shipping cost?", Answer = "Shipping is shown in your cart summary above." },
            new() { Question = "Can I return items?", Answer = "You can return any item within 30 days." },
        ];
}
