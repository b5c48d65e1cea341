using System.Security.Cryptography;
using System.Text;

namespace Orleans.Recovery.Customers;

/// <summary>
/// A customer grain is keyed by a hash of the email address, so grain ids, reminder rows and links never
/// carry the address itself (no personal data in logs or URLs).
/// </summary>
public static class CustomerKey
{
    public static string FromEmail(string email)
    {
        var normalized = email.Trim().ToLowerInvariant();
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(normalized));
        return "c" + Convert.ToHexStringLower(hash.AsSpan(0, 16));
    }
}
