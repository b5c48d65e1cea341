using System.Data.Common;
using System.Globalization;
using System.Runtime.CompilerServices;
using Orleans.Recovery.Retention;

namespace Orleans.Recovery.Hosting.Storage;

/// <summary>
/// Reads our grain storage table for the retention sweep, with our own SQL. It names grain types as the storage
/// provider writes them (the grain class's type name: cart, order, coupon) and the rows' last write time.
/// </summary>
public sealed class StoredGrains(RecoverySettings settings, RecoveryDataSource database) : IStoredGrains
{
    /// <summary>The grains that keep personal data and forget it themselves once finished.</summary>
    private const string Retained = "'cart', 'order', 'coupon'";

    /// <summary>Rows of grain types that no longer exist: the mail grain's delivered marks, now kept in each outbox.</summary>
    private const string Retired = "'mail'";

    public async IAsyncEnumerable<StoredGrain> UnchangedSinceAsync(DateTimeOffset cutoff, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, cutoff,
            $"SELECT GrainTypeString, GrainIdN0, GrainIdN1, GrainIdExtensionString FROM OrleansStorage WHERE ServiceId = @serviceId AND GrainTypeString IN ({Retained}) AND PayloadBinary IS NOT NULL AND ModifiedOn < @cutoff");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            if (KeyOf(reader.GetInt64(1), reader.GetInt64(2), reader.IsDBNull(3) ? "" : reader.GetString(3)) is { } key)
            {
                yield return new StoredGrain(reader.GetString(0), key);
            }
        }
    }

    /// <summary>
    /// The grain key a row was stored under. The provider keeps a string key whole, but parses one that reads as a hex
    /// number or a GUID into the two numbers, so those are written back in Orleans' own form: the same row, though
    /// perhaps not the storefront's spelling (an id "00AB" comes back as "AB"). Null when nothing names a grain.
    /// </summary>
    public static string? KeyOf(long n0, long n1, string extension)
    {
        var suffix = extension.Length == 0 ? "" : $"+{extension}";
        return (n0, n1) switch
        {
            (0, 0) => extension.Length == 0 ? null : extension,
            (0, _) => n1.ToString("X", CultureInfo.InvariantCulture) + suffix,
            _ => new Guid([.. BitConverter.GetBytes(n0), .. BitConverter.GetBytes(n1)]).ToString("N") + suffix,
        };
    }

    public async Task<int> DeleteRetiredAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, cutoff,
            $"DELETE FROM OrleansStorage WHERE ServiceId = @serviceId AND GrainTypeString IN ({Retired}) AND ModifiedOn < @cutoff");
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        return await database.Source.OpenConnectionAsync(cancellationToken);
    }

    private DbCommand Command(DbConnection connection, DateTimeOffset cutoff, string sql)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        Add(command, "serviceId", settings.ServiceId);

        // PostgreSQL keeps a timestamptz; our SQLite schema writes ISO 8601 text in UTC, which sorts as it reads.
        Add(command, "cutoff", settings.UsesPostgreSql
            ? cutoff.UtcDateTime
            : cutoff.UtcDateTime.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fff'Z'", CultureInfo.InvariantCulture));
        return command;
    }

    private static void Add(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
