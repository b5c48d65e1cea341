namespace Orleans.Recovery.Testing;

/// <summary>The repository the tests were built from, for tests of what it ships (deploy/, templates).</summary>
public static class Repository
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Orleans.Recovery.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Orleans.Recovery.sln above {AppContext.BaseDirectory}.");
    }
}
