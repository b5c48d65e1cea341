using Npgsql;
using Orleans.Recovery.Testing;

namespace Orleans.Recovery.Bench;

/// <summary>Keeps the bench and its PostgreSQL server off the silos' CPU, and finds the server's processes to measure.</summary>
public static class CpuPinning
{
    /// <summary>The postmaster of the bench's own server, the parent of a backend; null when the server is someone else's (RECOVERY_TEST_POSTGRES).</summary>
    public static async Task<int?> OwnPostmasterAsync(string database)
    {
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable(PostgresServer.EnvironmentVariable)))
        {
            return null;
        }

        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT pg_backend_pid() /* bench */", connection);
        return ProcessCpu.ParentOf((int)(await command.ExecuteScalarAsync())!);
    }

    /// <summary>Moves this process and, if it is ours, the PostgreSQL server (every process of it; new backends inherit) to <paramref name="cpus"/>.</summary>
    public static async Task<bool> PinAsync(int? postmaster, string cpus, Action<string> report)
    {
        await ProcessCpu.PinAsync(Environment.ProcessId, cpus);
        if (postmaster is not { } root)
        {
            return false;
        }

        try
        {
            await ProcessCpu.PinAsync(root, cpus);
        }
        catch (InvalidOperationException e)
        {
            report($"cluster: PostgreSQL's postmaster could not be moved to CPU {cpus}: {e.Message}");
            return false;
        }

        foreach (var pid in ProcessCpu.Tree(root).Skip(1))
        {
            try
            {
                await ProcessCpu.PinAsync(pid, cpus);
            }
            catch (InvalidOperationException)
            {
                // A backend that ended meanwhile.
            }
        }

        return true;
    }
}
