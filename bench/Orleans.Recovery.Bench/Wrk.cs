using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Orleans.Recovery.Bench;

/// <summary>wrk, Debian's HTTP load generator, in a process of its own: the load never shares the product's runtime.</summary>
public static partial class Wrk
{
    public static async Task<double> RequestsPerSecondAsync(Uri target, BenchMode mode, string? script = null, params string[] scriptArguments)
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

        if (SocketErrors().Match(output) is { Success: true } socket)
        {
            throw new InvalidOperationException($"wrk saw socket errors against {target} ({socket.Value}):\n{output}");
        }

        return double.Parse(RequestsPerSecond().Match(output).Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"Requests/sec:\s+([0-9.]+)")]
    private static partial Regex RequestsPerSecond();

    [GeneratedRegex(@"Non-2xx or 3xx responses:\s+(\d+)")]
    private static partial Regex NonSuccess();

    [GeneratedRegex(@"Socket errors:[^\n]*")]
    private static partial Regex SocketErrors();
}
