using Microsoft.Extensions.Configuration;

namespace Orleans.Recovery.Silo;

/// <summary>
/// The settings that shape the silo itself. They are read while the silo is being built, before options
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
    bool ApplySchema)
{
    public const string Sqlite = "Sqlite";
    public const string Localhost = "Localhost";
    public const string DefaultConnectionString = "Data Source=data/recovery.db";

    /// <summary>The invariant the Orleans ADO.NET providers map to Microsoft.Data.Sqlite.</summary>
    public const string SqliteInvariant = "System.Data.SQLite";

    public static RecoverySettings From(IConfiguration configuration)
    {
        var storage = configuration["Recovery:Storage"] ?? Sqlite;
        if (!storage.Equals(Sqlite, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException(
                $"Recovery:Storage is '{storage}', but this version supports only '{Sqlite}'. Remove the setting to use the embedded SQLite file.");
        }

        var clustering = configuration["Recovery:Clustering"] ?? Localhost;
        if (!clustering.Equals(Localhost, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException(
                $"Recovery:Clustering is '{clustering}', but this version supports only '{Localhost}' (one process).");
        }

        var connectionString = configuration.GetConnectionString("Recovery") ?? DefaultConnectionString;
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException("ConnectionStrings:Recovery is empty; set it or remove it to use data/recovery.db.");
        }

        return new RecoverySettings(
            Sqlite,
            Localhost,
            connectionString,
            Required(configuration, "Recovery:ClusterId", "recovery"),
            Required(configuration, "Recovery:ServiceId", "recovery"),
            Port(configuration, "Recovery:Silo:SiloPort", 11111),
            Port(configuration, "Recovery:Silo:GatewayPort", 30000),
            Flag(configuration, "Recovery:Database:ApplySchema", true));
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

    private static bool Flag(IConfiguration configuration, string key, bool fallback) => configuration[key] switch
    {
        null => fallback,
        var text when bool.TryParse(text, out var flag) => flag,
        var text => throw new InvalidOperationException($"{key} is '{text}'; it must be true or false."),
    };
}
