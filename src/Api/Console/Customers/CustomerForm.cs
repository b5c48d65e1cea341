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
        // The API's own rule for an address (its [Email] validation), so the console accepts exactly what the API does.
        return Orleans.Recovery.Mail.SenderOptions.IsAddress(email?.Trim()) ? null : "Enter a whole email address, such as ana@example.com.";
    }
}
