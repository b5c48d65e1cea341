namespace Orleans.Recovery.Ledger;

/// <summary>
/// The product's schema: deploy/sql/sqlite or deploy/sql/postgresql, embedded here because the ledger's own database
/// (in memory, in a temporary file) applies its part of it without a host. It is one numbered sequence for Orleans'
/// tables and ours, so a script's number says when it runs whichever part it belongs to.
/// </summary>
public static class SchemaScripts
{
    /// <summary>The embedded scripts of a dialect ("sqlite" or "postgresql"), in file-name order.</summary>
    public static IEnumerable<(string Name, string Sql)> Of(string dialect)
    {
        var assembly = typeof(SchemaScripts).Assembly;
        var prefix = $"sql/{dialect}/";
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            using var reader = new StreamReader(assembly.GetManifestResourceStream(name)!);
            yield return (name, reader.ReadToEnd());
        }
    }
}
