using System.Data.Common;
using Orleans.Recovery.Ledger;

namespace Orleans.Recovery.Hosting.Connectors;

/// <summary>What became of one delivery from a connector's provider.</summary>
public static class DeliveryOutcomes
{
    /// <summary>Mapped onto the engine's events and stored.</summary>
    public const string Applied = "applied";

    /// <summary>The provider sent this delivery before; nothing was done twice.</summary>
    public const string Duplicate = "duplicate";

    /// <summary>Answered 2xx (providers disable endpoints that keep failing) but not mapped: the reason says why.</summary>
    public const string Ignored = "ignored";

    /// <summary>A missing or wrong signature: answered 401, nothing looked at.</summary>
    public const string Refused = "refused";

    /// <summary>The engine could not store it (a database outage): answered 503, and the provider's retry is applied.</summary>
    public const string Failed = "failed";
}

/// <summary>One delivery as the operator sees it.</summary>
public sealed record ConnectorDelivery(string Provider, string? DeliveryId, DateTimeOffset ReceivedAt, string Topic, string Outcome, string? Reason);

/// <summary>
/// The connectors' record of deliveries, in the product's database so every API process sees the same: a claim per
/// provider delivery id, so a repeated delivery is applied once, and a log of every delivery kept
/// <see cref="Kept"/>. A claim not completed within <see cref="Abandoned"/> (the process stopped halfway) is taken over
/// by the provider's retry, so a delivery is never lost to a crash.
/// </summary>
public sealed class ConnectorDeliveries(LedgerDatabase database)
{
    public static readonly TimeSpan Kept = TimeSpan.FromDays(7);

    public static readonly TimeSpan Abandoned = TimeSpan.FromMinutes(2);

    private long _prunedAt;

    /// <summary>
    /// Claims <paramref name="deliveryId"/> for this attempt: true to go ahead, false when the provider sent it before
    /// and that delivery was applied or is being applied now.
    /// </summary>
    public Task<bool> ClaimAsync(string provider, string deliveryId, DateTimeOffset now) => database.WriteAsync(async () =>
    {
        var at = now.ToUnixTimeMilliseconds();
        await using var connection = await database.OpenAsync();
        await PruneAsync(connection, at);
        await using (var insert = LedgerDatabase.Command(connection, null, """
            INSERT INTO recovery_connector_claims (provider, delivery_id, claimed_at, completed) VALUES (@provider, @id, @at, FALSE)
            ON CONFLICT (provider, delivery_id) DO NOTHING
            """).With("provider", provider).With("id", deliveryId).With("at", at))
        {
            if (await insert.ExecuteNonQueryAsync() == 1)
            {
                return true;
            }
        }

        // Claimed before: taken over only if that attempt never finished and has been gone a while.
        await using var takeOver = LedgerDatabase.Command(connection, null, """
            UPDATE recovery_connector_claims SET claimed_at = @at
            WHERE provider = @provider AND delivery_id = @id AND completed = FALSE AND claimed_at < @stale
            """).With("provider", provider).With("id", deliveryId).With("at", at).With("stale", at - (long)Abandoned.TotalMilliseconds);
        return await takeOver.ExecuteNonQueryAsync() == 1;
    });

    /// <summary>The claimed delivery was applied or ignored: a repeat of it is a duplicate from now on.</summary>
    public Task CompleteAsync(string provider, string deliveryId) => database.WriteAsync(async () =>
    {
        await using var connection = await database.OpenAsync();
        await using var command = LedgerDatabase.Command(connection, null,
            "UPDATE recovery_connector_claims SET completed = TRUE WHERE provider = @provider AND delivery_id = @id").With("provider", provider).With("id", deliveryId);
        return await command.ExecuteNonQueryAsync();
    });

    /// <summary>The claimed delivery could not be stored: the provider's retry may claim it at once.</summary>
    public Task ReleaseAsync(string provider, string deliveryId) => database.WriteAsync(async () =>
    {
        await using var connection = await database.OpenAsync();
        await using var command = LedgerDatabase.Command(connection, null,
            "DELETE FROM recovery_connector_claims WHERE provider = @provider AND delivery_id = @id AND completed = FALSE").With("provider", provider).With("id", deliveryId);
        return await command.ExecuteNonQueryAsync();
    });

    /// <summary>Logs one delivery for the operator.</summary>
    public Task LogAsync(ConnectorDelivery delivery) => database.WriteAsync(async () =>
    {
        await using var connection = await database.OpenAsync();
        await using var command = LedgerDatabase.Command(connection, null, """
            INSERT INTO recovery_connector_deliveries (provider, delivery_id, received_at, topic, outcome, reason)
            VALUES (@provider, @id, @at, @topic, @outcome, @reason)
            """).With("provider", delivery.Provider).With("id", delivery.DeliveryId).With("at", delivery.ReceivedAt.ToUnixTimeMilliseconds())
            .With("topic", delivery.Topic).With("outcome", delivery.Outcome).With("reason", delivery.Reason);
        return await command.ExecuteNonQueryAsync();
    });

    /// <summary>The deliveries of the last <see cref="Kept"/>, newest first, at most <paramref name="limit"/>, of one provider or all.</summary>
    public async Task<IReadOnlyList<ConnectorDelivery>> ListAsync(DateTimeOffset now, string? provider, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = LedgerDatabase.Command(connection, null, $"""
            SELECT provider, delivery_id, received_at, topic, outcome, reason FROM recovery_connector_deliveries
            WHERE received_at >= @since {(provider is null ? "" : "AND provider = @provider")}
            ORDER BY received_at DESC, seq DESC LIMIT @limit
            """).With("since", (now - Kept).ToUnixTimeMilliseconds()).With("limit", limit);
        if (provider is not null)
        {
            command.With("provider", provider);
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var deliveries = new List<ConnectorDelivery>();
        while (await reader.ReadAsync(cancellationToken))
        {
            deliveries.Add(new ConnectorDelivery(
                reader.GetString(0),
                reader.IsDBNull(1) ? null : reader.GetString(1),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)),
                reader.GetString(3),
                reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5)));
        }

        return deliveries;
    }

    /// <summary>Deletes what is older than <see cref="Kept"/>, at most once a minute per process.</summary>
    private async Task PruneAsync(DbConnection connection, long now)
    {
        var last = Interlocked.Read(ref _prunedAt);
        if (now - last < 60_000 || Interlocked.CompareExchange(ref _prunedAt, now, last) != last)
        {
            return;
        }

        var cutoff = now - (long)Kept.TotalMilliseconds;
        foreach (var table in new[] { ("recovery_connector_deliveries", "received_at"), ("recovery_connector_claims", "claimed_at") })
        {
            await using var command = LedgerDatabase.Command(connection, null, $"DELETE FROM {table.Item1} WHERE {table.Item2} < @cutoff").With("cutoff", cutoff);
            await command.ExecuteNonQueryAsync();
        }
    }
}
