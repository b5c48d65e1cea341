using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Orleans.Recovery.Flows;

/// <summary>
/// The control group of a flow: a stable share of its customers who get none of its marketing mail, so the report
/// can compare them with those who do.
/// </summary>
public static class Holdout
{
    /// <summary>The most a flow may hold out: beyond half, the control group is larger than the one it controls for.</summary>
    public const double MaxShare = 0.5;

    /// <summary>
    /// Whether <paramref name="customerKey"/> is in <paramref name="flow"/>'s control group. The same customer and flow
    /// always get the same answer, on every silo and after every restart. Raising the share only adds customers to
    /// the group; lowering it only removes them. Each flow draws its own group.
    /// </summary>
    public static bool IsHeldOut(string flow, string customerKey, double share) =>
        share > 0 && Position(flow, customerKey) < Math.Min(share, MaxShare);

    /// <summary>The customer's place in [0, 1) for this flow, uniform over customers.</summary>
    public static double Position(string flow, string customerKey)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes($"holdout\n{flow}\n{customerKey}"), hash);
        return (BinaryPrimitives.ReadUInt64BigEndian(hash) >> 11) * (1.0 / (1UL << 53));
    }
}
