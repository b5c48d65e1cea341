using System.Diagnostics;
using Npgsql;

namespace Orleans.Recovery.Testing;

/// <summary>
/// A real PostgreSQL server for the tests, and a fresh database per test class.
/// <para>
/// With <c>RECOVERY_TEST_POSTGRES</c> set (CI sets it after starting Debian's cluster), that connection string is used:
/// its role needs CREATEDB, and CREATEROLE for the outage tests. Without it, a throwaway server is started from the PostgreSQL server binaries installed on
/// this machine (Debian: <c>apt-get install postgresql</c>), in a temporary directory on a free port, and stopped at the end.
/// </para>
/// <para>
/// A <see cref="PostgresDurability.Durable"/> server is a throwaway one whenever the binaries are installed, even with
/// <c>RECOVERY_TEST_POSTGRES</c> set, because how durable the configured server is was its owner's choice; without the
/// binaries, the configured server is used as it is (<see cref="IsThrowaway"/> tells which).
/// </para>
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    public const string EnvironmentVariable = "RECOVERY_TEST_POSTGRES";

    private readonly string _adminConnectionString;
    private readonly string? _directory;
    private readonly string? _binaries;
    private readonly List<string> _databases = [];
    private readonly List<string> _roles = [];

    private PostgresServer(string adminConnectionString, string? directory = null, string? binaries = null)
    {
        _adminConnectionString = adminConnectionString;
        _directory = directory;
        _binaries = binaries;
    }

    public static async Task<PostgresServer> StartAsync(PostgresDurability durability = PostgresDurability.Fast)
    {
        var configured = Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } value ? value : null;
        var binaries = configured is null || durability == PostgresDurability.Durable ? FindBinaries() : null;
        if (binaries is null)
        {
            return new PostgresServer(configured ?? throw NoServer());
        }

        var directory = Directory.CreateTempSubdirectory("recovery-pg-").FullName;
        var data = Path.Combine(directory, "data");
        var port = FreePort.Next();
        if (RunsAsRoot)
        {
            // initdb and postgres refuse to run as root; Debian's package brings the postgres user.
            await RunAsync("chown", ["-R", "postgres", directory]);
        }

        // --no-sync only skips flushing initdb's own files: the server's settings below decide how commits are kept.
        await RunAsync(Path.Combine(binaries, "initdb"), ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"]);
        var kept = durability == PostgresDurability.Durable ? "on" : "off";
        await RunAsync(Path.Combine(binaries, "pg_ctl"),
        [
            "-D", data, "-l", Path.Combine(directory, "server.log"), "-w", "-t", "60",
            "-o", $"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync={kept} -c synchronous_commit={kept} -c max_connections=400 -c shared_preload_libraries=pg_stat_statements",
            "start",
        ]);

        return new PostgresServer($"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres", directory, binaries);
    }

    /// <summary>True when this server was started here and is stopped at the end; false for the configured one.</summary>
    public bool IsThrowaway => _directory is not null;

    /// <summary>Creates an empty database and returns a connection string to it.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix)
    {
        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 33, 63)].ToLowerInvariant();
        await using (var connection = new NpgsqlConnection(_adminConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }

        lock (_databases)
        {
            _databases.Add(name);
        }

        return new NpgsqlConnectionStringBuilder(_adminConnectionString) { Database = name, MaxPoolSize = 15 }.ConnectionString;
    }

    /// <summary>
    /// A login role of its own and an empty database it owns, as a DBA sets one up for the product, so a test can lock
    /// the product out of the server the way an outage does; returns the product's connection string and its role.
    /// </summary>
    public async Task<(string ConnectionString, string Role)> CreateProductDatabaseAsync(string prefix)
    {
        var role = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 17, 63)].ToLowerInvariant();
        var password = Guid.NewGuid().ToString("N");
        lock (_roles)
        {
            _roles.Add(role);
        }

        await AdminAsync($"CREATE ROLE \"{role}\" LOGIN PASSWORD '{password}'", $"GRANT \"{role}\" TO CURRENT_USER");
        var name = $"{role}_db";
        await AdminAsync($"CREATE DATABASE \"{name}\" OWNER \"{role}\"");
        lock (_databases)
        {
            _databases.Add(name);
        }

        return (new NpgsqlConnectionStringBuilder(_adminConnectionString) { Database = name, Username = role, Password = password, MaxPoolSize = 30 }.ConnectionString, role);
    }

    /// <summary>The server refuses <paramref name="role"/>'s connections from now on and ends those it has, as a failover or a restart does.</summary>
    public Task LockOutAsync(string role) => AdminAsync(
        $"ALTER ROLE \"{role}\" NOLOGIN",
        $"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = '{role}'");

    /// <summary>The server takes <paramref name="role"/>'s connections again.</summary>
    public Task LetInAsync(string role) => AdminAsync($"ALTER ROLE \"{role}\" LOGIN");

    /// <summary>One value, read as the test's administrator: what the server itself shows, such as <c>pg_stat_activity</c>.</summary>
    public async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_adminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    /// <summary>
    /// The folder of <paramref name="connectionString"/>'s database under the server's data directory, after a
    /// <c>CHECKPOINT</c> has written every change to the table files and deleted the files of rewritten tables. Needs
    /// pg_checkpoint and pg_read_all_settings (test.sh grants both), and a process that may read the files (root).
    /// </summary>
    public async Task<string> CheckpointedDatabaseFilesAsync(string connectionString)
    {
        var database = new NpgsqlConnectionStringBuilder(connectionString).Database;
        await using var connection = new NpgsqlConnection(_adminConnectionString);
        await connection.OpenAsync();
        await using (var checkpoint = new NpgsqlCommand("CHECKPOINT", connection))
        {
            await checkpoint.ExecuteNonQueryAsync();
        }

        await using var where = new NpgsqlCommand("SELECT current_setting('data_directory') || '/base/' || oid FROM pg_database WHERE datname = @name", connection);
        where.Parameters.AddWithValue("name", database!);
        return (string)(await where.ExecuteScalarAsync())!;
    }

    private async Task AdminAsync(params string[] statements)
    {
        await using var connection = new NpgsqlConnection(_adminConnectionString);
        await connection.OpenAsync();
        foreach (var sql in statements)
        {
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_directory is null)
        {
            // A shared server: leave it as found.
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection(_adminConnectionString);
            await connection.OpenAsync();
            foreach (var name in _databases)
            {
                await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
                await command.ExecuteNonQueryAsync();
            }

            foreach (var role in _roles)
            {
                await using var command = new NpgsqlCommand($"DROP ROLE IF EXISTS \"{role}\"", connection);
                await command.ExecuteNonQueryAsync();
            }

            return;
        }

        await RunAsync(Path.Combine(_binaries!, "pg_ctl"), ["-D", Path.Combine(_directory, "data"), "-m", "immediate", "-w", "stop"]);
        Directory.Delete(_directory, recursive: true);
    }

    private static bool RunsAsRoot => Environment.UserName == "root";

    /// <summary>The folder with initdb and pg_ctl, or null when no PostgreSQL server is installed.</summary>
    private static string? FindBinaries()
    {
        var candidates = Environment.GetEnvironmentVariable("PG_BIN") is { Length: > 0 } explicitBin
            ? [explicitBin]
            : Directory.Exists("/usr/lib/postgresql")
                ? Directory.GetDirectories("/usr/lib/postgresql").OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0).Select(d => Path.Combine(d, "bin"))
                : [];
        return candidates.FirstOrDefault(bin => File.Exists(Path.Combine(bin, "initdb")) && File.Exists(Path.Combine(bin, "pg_ctl")));
    }

    private static InvalidOperationException NoServer() => new(
        $"The PostgreSQL tests need a PostgreSQL server: install Debian's package (apt-get install postgresql), set PG_BIN to the folder with initdb and pg_ctl, or set {EnvironmentVariable} to a connection string whose role may CREATE DATABASE.");

    private static async Task RunAsync(string program, IEnumerable<string> arguments)
    {
        var start = RunsAsRoot && program != "chown"
            ? new ProcessStartInfo("runuser", ["-u", "postgres", "--", program, .. arguments])
            : new ProcessStartInfo(program, arguments);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.WorkingDirectory = Path.GetTempPath();
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await output}{await error}");
        }
    }
}

/// <summary>How a throwaway server keeps what it commits.</summary>
public enum PostgresDurability
{
    /// <summary><c>fsync</c> and <c>synchronous_commit</c> off: the tests' default, bound by CPU and round trips, never by the disk.</summary>
    Fast,

    /// <summary><c>fsync</c> and <c>synchronous_commit</c> on, as a production server runs: a commit returns once its WAL is on disk.</summary>
    Durable,
}
