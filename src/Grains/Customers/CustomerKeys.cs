using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Orleans.Recovery.Ledger;

namespace Orleans.Recovery.Customers;

/// <summary>
/// A customer is known by a key made from their address: customer grains, reminder rows, the ledger and links carry the
/// key, never the address. The key is keyed: an HMAC under <c>Recovery:Privacy:CustomerKeySecret</c>, so knowing an
/// address is not enough to find what is kept under it (an erased customer's counts, an unsubscribe). Keys read
/// <c>k</c> and 32 hex digits.
/// </summary>
/// <remarks>
/// Versions before this one used an unkeyed SHA-256 of the address (<c>c</c> and 32 hex digits). The keyed key is an
/// HMAC of that old key, so a stored old key is turned into the new one without the address (<see cref="Current"/>):
/// the start-up re-keying (<c>CustomerRekeying</c>) rewrites the database with it, and a link mailed before reads
/// with it.
/// </remarks>
public sealed class CustomerKeys(IOptions<PrivacyOptions> options) : ICustomerKeyForm
{
    // Read at first use, not when built: a bad secret is then reported by start-up's validation, with every other bad key.
    private byte[] Secret => field ??= options.Value.Secret ?? throw new InvalidOperationException($"{PrivacyOptions.Section}:CustomerKeySecret is not resolved.");

    /// <summary>The key of the customer at <paramref name="email"/>.</summary>
    public string Of(string email) => Keyed(Legacy(email));

    /// <summary>The key of the shopper <paramref name="profile"/> describes.</summary>
    public string Of(CustomerProfile profile) => Of(profile.Email);

    /// <summary>A key as stored or linked, in today's form: an old unkeyed key becomes the keyed one, any other is kept.</summary>
    public string Current(string key) => IsLegacy(key) ? Keyed(key) : key;

    /// <summary>The unkeyed key of versions before keyed keys: <c>c</c> and the first 16 bytes of the normalised address's SHA-256.</summary>
    public static string Legacy(string email)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(email.Trim().ToLowerInvariant()));
        return "c" + Convert.ToHexStringLower(hash.AsSpan(0, 16));
    }

    /// <summary>True for a key in the unkeyed form of versions before this one.</summary>
    public static bool IsLegacy(string key) =>
        key.Length == 33 && key[0] == 'c' && key.AsSpan(1).ContainsAnyExcept("0123456789abcdef") is false;

    private string Keyed(string legacy)
    {
        var mac = HMACSHA256.HashData(Secret, Encoding.ASCII.GetBytes(legacy));
        return "k" + Convert.ToHexStringLower(mac.AsSpan(0, 16));
    }
}
