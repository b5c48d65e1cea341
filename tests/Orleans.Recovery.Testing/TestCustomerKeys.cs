using System.Security.Cryptography;
using System.Text;

namespace Orleans.Recovery.Testing;

/// <summary>
/// The customer-key secret every test host is given (<c>Recovery:Privacy:CustomerKeySecret</c>), and the keys it makes,
/// computed here on their own from the documented rule (an HMAC-SHA256 of the old unkeyed key), so a test that expects
/// a key checks the product's computation rather than repeating it.
/// </summary>
public static class TestCustomerKeys
{
    private static readonly byte[] SecretBytes = Encoding.ASCII.GetBytes("test-customer-key-secret-0123456789abcdef");

    /// <summary>Base64, as configured.</summary>
    public static string Secret { get; } = Convert.ToBase64String(SecretBytes);

    /// <summary>The key of the customer at <paramref name="email"/>: <c>k</c> and the first 16 bytes of the HMAC, in hex.</summary>
    public static string Of(string email) =>
        "k" + Convert.ToHexStringLower(HMACSHA256.HashData(SecretBytes, Encoding.ASCII.GetBytes(Unkeyed(email))).AsSpan(0, 16));

    /// <summary>The unkeyed key of versions before keyed keys: <c>c</c> and the first 16 bytes of the SHA-256 of the address.</summary>
    public static string Unkeyed(string email) =>
        "c" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(email.Trim().ToLowerInvariant())).AsSpan(0, 16));
}
