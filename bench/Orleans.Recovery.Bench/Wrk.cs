using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Orleans.Recovery.Bench;

/// <summary>wrk, Debian's HTTP load generator, in a process of its own: the load never shares the product's runtime.</summary>
public static partial class Wrk
{
    public static async Task<double> RequestsPerSecondAsync(Uri target, BenchMode mode, string? script = null, params string[] scriptArguments) =>
        (await RunAsync(target, mode, tolerateTimeouts: false, script, scriptArguments)).RequestsPerSecond;

    /// <summary>
    /// One wrk run: requests per second, the slowest response, and how many requests wrk gave up on after its
    /// 2 s timeout, which count against the product only when <paramref name="tolerateTimeouts"/> says they are a figure.
    /// </summary>
    public static async Task<WrkResult> RunAsync(Uri target, BenchMode mode, bool tolerateTimeouts, string? script = null, params string[] scriptArguments)
    {
        var arguments = new List<string> { "-t2", $"-c{mode.Connections}", $"-d{(int)mode.Duration.TotalSeconds}s", "--latency" };
        if (script is not null)
        {
            arguments.AddRange(["-s", script]);
        }

        arguments.Add(target.ToString());
        if (scriptArguments.Length > 0)
        {
            arguments.Add("--");
            arguments.AddRange(scriptArguments);
        }

        var start = new ProcessStartInfo("wrk", arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("wrk did not start: apt-get install wrk.");
        var output = await process.StandardOutput.ReadToEndAsync();
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"wrk failed ({process.ExitCode}): {errors}{output}");
        }

        // A run with failed requests measures the failure path, not the product: refuse it.
        if (NonSuccess().Match(output) is { Success: true } failed && int.Parse(failed.Groups[1].Value, CultureInfo.InvariantCulture) > 0)
        {
            throw new InvalidOperationException($"{failed.Groups[1].Value} requests to {target} did not succeed:\n{output}");
        }

        var timeouts = 0;
        if (SocketErrors().Match(output) is { Success: true } socket)
        {
            var counts = SocketErrorCounts().Match(socket.Value);
            timeouts = int.Parse(counts.Groups[4].Value, CultureInfo.InvariantCulture);
            var others = Enumerable.Range(1, 3).Sum(group => int.Parse(counts.Groups[group].Value, CultureInfo.InvariantCulture));
            if (!tolerateTimeouts || others > 0)
            {
                throw new InvalidOperationException($"wrk saw socket errors against {target} ({socket.Value}):\n{output}");
            }
        }

        var latency = Latency().Match(output);
        return new WrkResult(
            double.Parse(RequestsPerSecond().Match(output).Groups[1].Value, CultureInfo.InvariantCulture),
            Milliseconds(latency.Groups[1].Value, latency.Groups[2].Value),
            timeouts);
    }

    private static double Milliseconds(string value, string unit) => double.Parse(value, CultureInfo.InvariantCulture) * unit switch
    {
        "us" => 0.001,
        "ms" => 1,
        "s" => 1000,
        "m" => 60_000,
        _ => throw new InvalidOperationException($"wrk printed a latency in '{unit}'."),
    };

    /// <summary>wrk's "Latency avg stdev max" line: the third figure is the slowest response.</summary>
    [GeneratedRegex(@"Latency\s+\S+\s+\S+\s+([0-9.]+)(us|ms|s|m)\b")]
    private static partial Regex Latency();

    [GeneratedRegex(@"connect (\d+), read (\d+), write (\d+), timeout (\d+)")]
    private static partial Regex SocketErrorCounts();

    [GeneratedRegex(@"Requests/sec:\s+([0-9.]+)")]
    private static partial Regex RequestsPerSecond();

    [GeneratedRegex(@"Non-2xx or 3xx responses:\s+(\d+)")]
    private static partial Regex NonSuccess();

    [GeneratedRegex(@"Socket errors:[^\n]*")]
    private static partial Regex SocketErrors();
}

/// <summary>What one wrk run measured.</summary>
public sealed record WrkResult(double RequestsPerSecond, double MaxLatencyMs, int Timeouts);
