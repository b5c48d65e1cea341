using Npgsql;

namespace Orleans.Recovery.Cluster.Tests.Contract;

/// <summary>Runs one of our stored provider queries by key, for keys whose provider is not reachable from a test.</summary>
internal static class StoredQuery
{
    public static async Task<List<Dictionary<string, object>>> ReadAsync(string connectionString, string key, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        string text;
        await using (var lookup = new NpgsqlCommand("SELECT QueryText FROM OrleansQuery WHERE QueryKey = @key", connection))
        {
            lookup.Parameters.AddWithValue("key", key);
            text = (string)(await lookup.ExecuteScalarAsync() ?? throw new InvalidOperationException($"No query {key}"));
        }

        await using var command = new NpgsqlCommand(text, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        var rows = new List<Dictionary<string, object>>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(Enumerable.Range(0, reader.FieldCount).ToDictionary(reader.GetName, reader.GetValue));
        }

        return rows;
    }
}
