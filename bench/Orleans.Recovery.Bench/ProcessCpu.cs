using System.Diagnostics;
using System.Globalization;

namespace Orleans.Recovery.Bench;

/// <summary>CPU time and CPU sets of processes, from /proc and taskset: what the kernel charged, not what a runtime reports.</summary>
public static class ProcessCpu
{
    private static readonly Lazy<long> TicksPerSecond = new(() =>
    {
        using var getconf = Process.Start(new ProcessStartInfo("getconf", ["CLK_TCK"]) { RedirectStandardOutput = true })!;
        var output = getconf.StandardOutput.ReadToEnd();
        getconf.WaitForExit();
        return long.Parse(output.Trim(), CultureInfo.InvariantCulture);
    });

    /// <summary>utime + stime of one process, every thread included.</summary>
    public static TimeSpan Of(int pid) => Ticks(Stat(pid)!, children: false);

    /// <summary>
    /// A process tree's CPU: the root's own and that of the children it has reaped (cutime + cstime), plus every live
    /// descendant's. PostgreSQL's postmaster reaps each backend that ends, so a connection closed between two readings
    /// still counts in the difference.
    /// </summary>
    public static TimeSpan OfTree(int root)
    {
        var stats = Snapshot();
        return TreeOf(root, stats).Aggregate(TimeSpan.Zero, (total, pid) => total + Ticks(stats[pid], children: pid == root));
    }

    /// <summary>The parent of a process, from /proc; null when it is not on this machine.</summary>
    public static int? ParentOf(int pid) => Stat(pid) is { } fields ? int.Parse(fields[3], CultureInfo.InvariantCulture) : null;

    /// <summary>The CPUs this process may run on (its Cpus_allowed_list), e.g. [0, 1].</summary>
    public static IReadOnlyList<int> AllowedCpus()
    {
        var list = File.ReadLines("/proc/self/status").First(line => line.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal)).Split(':')[1].Trim();
        return [.. list.Split(',').SelectMany(range => range.Split('-') switch
        {
            [var one] => [int.Parse(one, CultureInfo.InvariantCulture)],
            [var first, var last] => Enumerable.Range(int.Parse(first, CultureInfo.InvariantCulture), int.Parse(last, CultureInfo.InvariantCulture) - int.Parse(first, CultureInfo.InvariantCulture) + 1),
            _ => throw new FormatException($"Cpus_allowed_list '{list}'"),
        })];
    }

    /// <summary>Moves every thread of <paramref name="pid"/> to <paramref name="cpus"/> (taskset's list syntax); threads and children it starts later inherit it.</summary>
    public static async Task PinAsync(int pid, string cpus)
    {
        using var taskset = Process.Start(new ProcessStartInfo("taskset", ["-a", "-p", "-c", cpus, pid.ToString(CultureInfo.InvariantCulture)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var errors = await taskset.StandardError.ReadToEndAsync();
        await taskset.StandardOutput.ReadToEndAsync();
        await taskset.WaitForExitAsync();
        if (taskset.ExitCode != 0)
        {
            throw new InvalidOperationException($"taskset -a -p -c {cpus} {pid} failed: {errors}");
        }
    }

    /// <summary>Every live process of a tree, root first.</summary>
    public static IReadOnlyList<int> Tree(int root) => TreeOf(root, Snapshot());

    private static List<int> TreeOf(int root, Dictionary<int, string[]> stats)
    {
        var tree = stats.ContainsKey(root) ? new List<int> { root } : [];
        for (var i = 0; i < tree.Count; i++)
        {
            tree.AddRange(stats.Where(s => int.Parse(s.Value[3], CultureInfo.InvariantCulture) == tree[i]).Select(s => s.Key));
        }

        return tree;
    }

    private static Dictionary<int, string[]> Snapshot() => Directory.EnumerateDirectories("/proc")
        .Select(path => int.TryParse(Path.GetFileName(path), out var pid) ? Stat(pid) : null)
        .OfType<string[]>()
        .ToDictionary(fields => int.Parse(fields[0], CultureInfo.InvariantCulture));

    private static TimeSpan Ticks(string[] fields, bool children)
    {
        // Fields after the command name, counted as in proc(5): 14 utime, 15 stime, 16 cutime, 17 cstime.
        var ticks = long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture);
        if (children)
        {
            ticks += long.Parse(fields[15], CultureInfo.InvariantCulture) + long.Parse(fields[16], CultureInfo.InvariantCulture);
        }

        return TimeSpan.FromSeconds(ticks / (double)TicksPerSecond.Value);
    }

    /// <summary>/proc/PID/stat split into proc(5)'s fields (index 0 is field 1), the command name kept whole; null if the process is gone.</summary>
    private static string[]? Stat(int pid)
    {
        string line;
        try
        {
            line = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException or UnauthorizedAccessException)
        {
            return null;
        }

        // The command name is in parentheses and may hold spaces and parentheses itself: split after the last ')'.
        var close = line.LastIndexOf(')');
        return [line[..line.IndexOf(' ', StringComparison.Ordinal)], line[(line.IndexOf('(', StringComparison.Ordinal) + 1)..close], .. line[(close + 2)..].Split(' ')];
    }
}
