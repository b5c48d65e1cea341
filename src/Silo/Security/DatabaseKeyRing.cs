using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Orleans.Recovery.Silo.Ledger;

namespace Orleans.Recovery.Silo.Security;

/// <summary>
/// ASP.NET Core Data Protection's keys in the product's own database (<c>recovery_console_keys</c>): every API process
/// of a cluster reads the same ring, so a console session or form opened on one is good on the others, and a restart
/// signs nobody out. Keys are added, never changed; Data Protection retires them by date.
/// </summary>
public sealed class DatabaseKeyRing(LedgerDatabase database, TimeProvider clock) : IXmlRepository
{
    // Data Protection's repository contract is synchronous; it is called when the ring is first needed and when a key
    // is rolled, every few months, never on a request's hot path.
    public IReadOnlyCollection<XElement> GetAllElements() => ReadAsync().GetAwaiter().GetResult();

    public void StoreElement(XElement element, string friendlyName) => database.WriteAsync(async () =>
    {
        await using var connection = await database.OpenAsync();
        await using var command = LedgerDatabase.Command(connection, null,
            "INSERT INTO recovery_console_keys (name, xml, created_at) VALUES (@name, @xml, @at) ON CONFLICT (name) DO NOTHING");
        command.With("name", friendlyName).With("xml", element.ToString(SaveOptions.DisableFormatting)).With("at", clock.GetUtcNow().ToUnixTimeMilliseconds());
        return await command.ExecuteNonQueryAsync();
    }).GetAwaiter().GetResult();

    private async Task<IReadOnlyCollection<XElement>> ReadAsync()
    {
        await using var connection = await database.OpenAsync();
        await using var command = LedgerDatabase.Command(connection, null, "SELECT xml FROM recovery_console_keys ORDER BY created_at, name");
        await using var reader = await command.ExecuteReaderAsync();
        var keys = new List<XElement>();
        while (await reader.ReadAsync())
        {
            keys.Add(XElement.Parse(reader.GetString(0)));
        }

        return keys;
    }
}
