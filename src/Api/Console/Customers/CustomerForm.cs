namespace Orleans.Recovery.Api.Console.Customers;

/// <summary>The customer form: an address, and where the operator is in look-up, confirm, erase.</summary>
public sealed class CustomerForm
{
    public string? Email { get; set; }

    /// <summary><c>show</c>, <c>confirm</c> (the erase is asked for) or <c>erase</c> (it is confirmed).</summary>
    public string? Stage { get; set; }

    /// <summary>The address the confirmation named: an erase goes ahead only for that one, whatever the field says now.</summary>
    public string? Confirmed { get; set; }

    /// <summary>Why the address cannot be looked up, or null when it can.</summary>
    public static string? Check(string? email)
    {
        var trimmed = email?.Trim();
        return string.IsNullOrEmpty(trimmed) || trimmed.Length > 254 || !System.Net.Mail.MailAddress.TryCreate(trimmed, out var address) || address.Address != trimmed
            ? "Enter a whole email address, such as ana@example.com."
            : null;
    }
}
