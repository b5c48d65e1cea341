using System.Data.Common;
using System.Text.Json;

namespace Orleans.Recovery.Ledger;

/// <summary>
/// How the ledger keeps values in its columns, the same on SQLite and PostgreSQL: times as Unix milliseconds, money as
/// whole ten-thousandths of the unit, a lead's items as JSON; and how its rows are read back.
/// </summary>
internal static class LedgerColumns
{
    public const long MsPerDay = 86_400_000;

    /// <summary>A lead's items, as <c>recovery_leads.items</c> holds them.</summary>
    public static readonly JsonSerializerOptions ItemsJson = new(JsonSerializerDefaults.Web);

    public static long Ms(DateTimeOffset at) => at.ToUnixTimeMilliseconds();

    public static DateTimeOffset Time(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    /// <summary>Money as the ledger keeps it: ten-thousandths of the unit, whole numbers that add up exactly.</summary>
    public static long Units(decimal amount) => (long)Math.Round(amount * 10_000m, MidpointRounding.AwayFromZero);

    public static decimal Amount(long units) => units / 10_000m;

    public static string? TextOrNull(this DbDataReader reader, int column) => reader.IsDBNull(column) ? null : reader.GetString(column);

    public static long? LongOrNull(this DbDataReader reader, int column) => reader.IsDBNull(column) ? null : reader.GetInt64(column);

    public static DateTimeOffset? TimeOrNull(this DbDataReader reader, int column) => reader.IsDBNull(column) ? null : Time(reader.GetInt64(column));

    /// <summary>A whole number however the database types it: SQLite's 64 bits, PostgreSQL's <c>integer</c>, or a sum's <c>numeric</c>.</summary>
    public static int Int(this DbDataReader reader, int column) => Convert.ToInt32(reader.GetValue(column));

    /// <inheritdoc cref="Int"/>
    public static long Long(this DbDataReader reader, int column) => Convert.ToInt64(reader.GetValue(column));
}
