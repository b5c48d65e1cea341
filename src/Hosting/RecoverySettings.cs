using System.Data.Common;
using System.Net;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Npgsql;
using Orleans.Recovery.Ledger;

namespace Orleans.Recovery.Hosting;

/// <summary>
/// The settings that shape the silo and its storage. They are read while the host is being built, before options
/// validation can run, so a bad value throws here with a message that names its key.
/// </summary>
public sealed record RecoverySettings(
    string Storage,
    string Clustering,
    string ConnectionString,
    string ClusterId,
    string ServiceId,
    int SiloPort,
    int GatewayPort,
    int HealthPort,
    IPAddress? AdvertisedAddress,
    bool ApplySchema,
    Ledger.SqliteSynchronous SqliteSynchronous = Ledger.SqliteSynchronous.Full)
{
    public const string Sqlite = "Sqlite";
    public const string PostgreSql = "PostgreSQL";

    /// <summary>State and reminders in the silo's memory: gone when it stops. For benchmarks and trials, never for a shop.</summary>
    public const string Memory = "Memory";
    public const string Localhost = "Localhost";
    public const string AdoNet = "AdoNet";
    public const string DefaultConnectionString = "Data Source=data/recovery.db";

    /// <summary>The invariant the Orleans ADO.NET providers map to Microsoft.Data.Sqlite.</summary>
    public const string SqliteInvariant = "System.Data.SQLite";

    public const string NpgsqlInvariant = "Npgsql";

    public bool UsesPostgreSql => Storage == PostgreSql;

    public bool UsesMemory => Storage == Memory;

    /// <summary>Silos form a cluster through the membership table; the API is then a client of theirs.</summary>
    public bool IsCluster => Clustering == AdoNet;

    public string Invariant => UsesPostgreSql ? NpgsqlInvariant : SqliteInvariant;

    /// <summary>
    /// The ledger in this database, on the process's one data source, its SQLite writes in turn through
    /// <paramref name="gate"/>; in memory, a temporary file of the process's own.
    /// </summary>
    public LedgerDatabase LedgerDatabase(DbDataSource source, SqliteWriteGate? gate) =>
        UsesMemory ? Ledger.LedgerDatabase.Temporary() : Ledger.LedgerDatabase.On(source, UsesPostgreSql, gate);

    public static RecoverySettings From(IConfiguration configuration)
    {
        var storage = OneOf(configuration, "Recovery:Storage", Sqlite, Sqlite, PostgreSql, Memory);
        var clustering = OneOf(configuration, "Recovery:Clustering", Localhost, Localhost, AdoNet);
        if (clustering == AdoNet && storage != PostgreSql)
        {
            throw new InvalidOperationException(
                $"Recovery:Clustering is '{AdoNet}', which keeps the cluster's membership in PostgreSQL: set Recovery:Storage to '{PostgreSql}' as well.");
        }

        return new RecoverySettings(
            storage,
            clustering,
            storage == PostgreSql ? PostgreSqlConnectionString(configuration) : SqliteConnectionString(configuration),
            Required(configuration, "Recovery:ClusterId", "recovery"),
            Required(configuration, "Recovery:ServiceId", "recovery"),
            Port(configuration, "Recovery:Silo:SiloPort", 11111),
            Port(configuration, "Recovery:Silo:GatewayPort", 30000),
            Port(configuration, "Recovery:Silo:HealthPort", 8081),
            Address(configuration, "Recovery:Silo:AdvertisedAddress"),
            Flag(configuration, "Recovery:Database:ApplySchema", true),
            OneOf(configuration, "Recovery:Database:SqliteSynchronous", "Full", "Full", "Normal") == "Normal" ? Ledger.SqliteSynchronous.Normal : Ledger.SqliteSynchronous.Full);
    }

    private static string SqliteConnectionString(IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString("Recovery") ?? DefaultConnectionString;
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException("ConnectionStrings:Recovery is empty; set it or remove it to use data/recovery.db.");
        }

        return connectionString;
    }

    private static string PostgreSqlConnectionString(IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString("Recovery");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                $"Recovery:Storage is '{PostgreSql}', so ConnectionStrings:Recovery must hold an Npgsql connection string, e.g. 'Host=db;Database=recovery;Username=recovery;Password=…'.");
        }

        try
        {
            _ = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            // The message of Npgsql's exception names the bad keyword; the connection string itself may hold a password.
            throw new InvalidOperationException($"ConnectionStrings:Recovery is not a valid Npgsql connection string: {e.Message}");
        }

        return connectionString;
    }

    private static string OneOf(IConfiguration configuration, string key, string fallback, params string[] allowed)
    {
        var value = configuration[key] ?? fallback;
        return allowed.FirstOrDefault(candidate => candidate.Equals(value, StringComparison.OrdinalIgnoreCase))
            ?? throw new InvalidOperationException($"{key} is '{value}'; it must be one of: {string.Join(", ", allowed)}.");
    }

    private static string Required(IConfiguration configuration, string key, string fallback)
    {
        var value = configuration[key] ?? fallback;
        return string.IsNullOrWhiteSpace(value) ? throw new InvalidOperationException($"{key} must not be empty.") : value;
    }

    private static int Port(IConfiguration configuration, string key, int fallback) => configuration[key] switch
    {
        null => fallback,
        var text when int.TryParse(text, out var port) && port is > 0 and <= 65535 => port,
        var text => throw new InvalidOperationException($"{key} is '{text}'; it must be a port number from 1 to 65535."),
    };

    private static IPAddress? Address(IConfiguration configuration, string key) => configuration[key] switch
    {
        null or "" => null,
        var text when IPAddress.TryParse(text, out var address) => address,
        var text => throw new InvalidOperationException($"{key} is '{text}'; it must be an IP address other silos and clients can reach."),
    };

    private static bool Flag(IConfiguration configuration, string key, bool fallback) => configuration[key] switch
    {
        null => fallback,
        var text when bool.TryParse(text, out var flag) => flag,
        var text => throw new InvalidOperationException($"{key} is '{text}'; it must be true or false."),
    };
}
