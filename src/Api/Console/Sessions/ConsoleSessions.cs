using System.Data.Common;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Orleans.Recovery.Ledger;
using Orleans.Reminders;

namespace Orleans.Recovery.Api.Console.Sessions;

/// <summary>An open console session as the operator sees it: <see cref="Hash"/> tells their own apart.</summary>
public sealed record ConsoleSession(string Hash, DateTimeOffset OpenedAt, DateTimeOffset ExpiresAt, DateTimeOffset LastSeenAt, string Device);

/// <summary>
/// Console sessions in the product's database (<c>recovery_console_sessions</c>), so every API process sees the same
/// ones. The cookie only names a session; the row decides whether it is open. Signing out ends it wherever a copy of the
/// cookie is, a session ends <see cref="Lifetime"/> after sign-in however busy, and "sign out everywhere" ends them all.
/// Times are the business clock's, as everything the engine decides.
/// </summary>
public sealed class ConsoleSessions(LedgerDatabase database, [FromKeyedServices(ReminderTimeProviderNames.Reminders)] TimeProvider clock)
{
    /// <summary>The absolute cap: a session opened at nine ends at five, whatever it did in between.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(8);

    /// <summary>How fresh "last seen" is kept: writing it on every page would make each click a database write.</summary>
    private static readonly TimeSpan SeenResolution = TimeSpan.FromMinutes(1);

    /// <summary>Ended sessions are kept this long for nothing but the list's consistency, then deleted.</summary>
    private static readonly TimeSpan KeptAfterEnd = TimeSpan.FromDays(1);

    public DateTimeOffset Now => clock.GetUtcNow();

    /// <summary>Opens a session; returns its id, for the cookie, and when it ends.</summary>
    public async Task<(string Id, DateTimeOffset ExpiresAt)> OpenAsync(string device, CancellationToken cancellationToken)
    {
        var id = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        var now = Now;
        var expires = now + Lifetime;
        await database.WriteAsync(async () =>
        {
            await using var connection = await database.OpenAsync(cancellationToken);
            await ExecuteAsync(connection, "DELETE FROM recovery_console_sessions WHERE COALESCE(ended_at, expires_at) < @before",
                command => command.With("before", (now - KeptAfterEnd).ToUnixTimeMilliseconds()), cancellationToken);
            return await ExecuteAsync(connection, """
                INSERT INTO recovery_console_sessions (session_hash, opened_at, expires_at, last_seen_at, ended_at, device)
                VALUES (@hash, @now, @expires, @now, NULL, @device)
                """, command => command.With("hash", Hash(id)).With("now", now.ToUnixTimeMilliseconds())
                    .With("expires", expires.ToUnixTimeMilliseconds()).With("device", device), cancellationToken);
        });
        return (id, expires);
    }

    /// <summary>True while the session is open: not signed out, not ended everywhere, not past its cap.</summary>
    public async Task<bool> IsOpenAsync(string id, CancellationToken cancellationToken)
    {
        var hash = Hash(id);
        var now = Now;
        long? lastSeen = null;
        await using (var connection = await database.OpenAsync(cancellationToken))
        {
            await using var command = LedgerDatabase.Command(connection, null, """
                SELECT last_seen_at FROM recovery_console_sessions
                WHERE session_hash = @hash AND ended_at IS NULL AND expires_at > @now
                """).With("hash", hash).With("now", now.ToUnixTimeMilliseconds());
            if (await command.ExecuteScalarAsync(cancellationToken) is { } value and not DBNull)
            {
                lastSeen = Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        if (lastSeen is null)
        {
            return false;
        }

        if (now.ToUnixTimeMilliseconds() - lastSeen >= (long)SeenResolution.TotalMilliseconds)
        {
            await WriteAsync("UPDATE recovery_console_sessions SET last_seen_at = @now WHERE session_hash = @hash",
                command => command.With("now", now.ToUnixTimeMilliseconds()).With("hash", hash), cancellationToken);
        }

        return true;
    }

    /// <summary>Ends one session, wherever its cookie is.</summary>
    public Task EndAsync(string id, CancellationToken cancellationToken) =>
        WriteAsync("UPDATE recovery_console_sessions SET ended_at = @now WHERE session_hash = @hash AND ended_at IS NULL",
            command => command.With("now", Now.ToUnixTimeMilliseconds()).With("hash", Hash(id)), cancellationToken);

    /// <summary>Ends every open session, this one included; returns how many.</summary>
    public Task<int> EndAllAsync(CancellationToken cancellationToken)
    {
        var now = Now.ToUnixTimeMilliseconds();
        return WriteAsync("UPDATE recovery_console_sessions SET ended_at = @now WHERE ended_at IS NULL AND expires_at > @now",
            command => command.With("now", now), cancellationToken);
    }

    /// <summary>The open sessions, newest first.</summary>
    public async Task<IReadOnlyList<ConsoleSession>> OpenSessionsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = LedgerDatabase.Command(connection, null, """
            SELECT session_hash, opened_at, expires_at, last_seen_at, device FROM recovery_console_sessions
            WHERE ended_at IS NULL AND expires_at > @now ORDER BY opened_at DESC, session_hash
            """).With("now", Now.ToUnixTimeMilliseconds());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var sessions = new List<ConsoleSession>();
        while (await reader.ReadAsync(cancellationToken))
        {
            sessions.Add(new ConsoleSession(reader.GetString(0), Time(reader, 1), Time(reader, 2), Time(reader, 3), reader.GetString(4)));
        }

        return sessions;
    }

    /// <summary>The stored form of a session id: a leaked table names sessions, it does not open them.</summary>
    public static string Hash(string id) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(id)));

    /// <summary>
    /// What the list shows of where a session was opened: the browser's own description, cut short and stripped of
    /// anything but printable ASCII, and the network it came from (an IPv4 address, an IPv6 /64).
    /// </summary>
    public static string Device(string? userAgent, IPAddress? address)
    {
        var browser = new string([.. (userAgent ?? "").Where(c => c is >= ' ' and <= '~').Take(160)]).Trim();
        var network = Links.LinkRateLimits.Client(address);
        return $"{(browser.Length == 0 ? "unknown browser" : browser)} · {network}";
    }

    private static DateTimeOffset Time(DbDataReader reader, int ordinal) => DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(ordinal));

    private Task<int> WriteAsync(string sql, Action<DbCommand> parameters, CancellationToken cancellationToken) => database.WriteAsync(async () =>
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await ExecuteAsync(connection, sql, parameters, cancellationToken);
    });

    private static async Task<int> ExecuteAsync(DbConnection connection, string sql, Action<DbCommand> parameters, CancellationToken cancellationToken)
    {
        await using var command = LedgerDatabase.Command(connection, null, sql);
        parameters(command);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
