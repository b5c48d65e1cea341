using System.Diagnostics;
using System.Globalization;

namespace Orleans.Recovery.Bench;

/// <summary>
/// One silo or API process of a cluster, started from its Release build under <c>taskset</c> on a given CPU set, and
/// started again after it stops: the same ports and settings, as a restart by an orchestrator would.
/// </summary>
public sealed class NodeProcess : IAsyncDisposable
{
    private readonly string _dll;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly string _cpus;
    private readonly Lock _logLock = new();
    private Process? _process;

    public NodeProcess(string name, string dll, IReadOnlyDictionary<string, string> environment, string cpus, string log, Uri health)
    {
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"{dll} is missing: bench/run builds src/Silo and src/Api in Release first.");
        }

        Name = name;
        _dll = dll;
        _environment = environment;
        _cpus = cpus;
        Log = log;
        Health = health;
    }

    public string Name { get; }

    public string Log { get; }

    /// <summary>The host's own port: <c>/health/ready</c>, and on a silo <c>/metrics</c>.</summary>
    public Uri Health { get; }

    public int ProcessId => _process?.Id ?? throw new InvalidOperationException($"{Name} is not started.");

    public bool IsRunning => _process is { HasExited: false };

    public void Start()
    {
        // taskset sets the affinity and execs dotnet, so the process started is the node itself: its pid is the one to read and signal.
        var start = new ProcessStartInfo("taskset", ["-c", _cpus, "dotnet", _dll])
        {
            WorkingDirectory = Path.GetDirectoryName(Log)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in _environment.Select(setting => (setting.Key, setting.Value)).Concat(WebProcess.ProductEnvironment()))
        {
            start.Environment[key] = value;
        }

        _process?.Dispose();
        _process = Process.Start(start) ?? throw new InvalidOperationException($"{Name} did not start.");
        File.AppendAllText(Log, $"--- {DateTimeOffset.UtcNow:O} started, pid {_process.Id}, CPUs {_cpus}{Environment.NewLine}");
        _ = PipeAsync(_process.StandardOutput);
        _ = PipeAsync(_process.StandardError);
    }

    /// <summary>Waits until the node answers <c>/health/ready</c> with 200, failing early if it exits.</summary>
    public async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < timeout)
        {
            if (_process is null || _process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with {_process?.ExitCode} while starting; see {Log}.");
            }

            try
            {
                using var response = await client.GetAsync(new Uri(Health, "/health/ready"));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"{Name} was not ready within {timeout}; see {Log}.");
    }

    /// <summary>SIGKILL, as a crash or an OOM kill would: no shutdown, no hand-over.</summary>
    public async Task KillAsync()
    {
        _process!.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM, as an orchestrator stops a pod; returns how long the node took to exit, or null if it was killed after <paramref name="timeout"/>.</summary>
    public async Task<TimeSpan?> StopAsync(TimeSpan timeout)
    {
        var stopping = Stopwatch.StartNew();
        using (var signal = Process.Start("kill", ["-TERM", _process!.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await signal.WaitForExitAsync();
        }

        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
            return stopping.Elapsed;
        }
        catch (OperationCanceledException)
        {
            await KillAsync();
            return null;
        }
    }

    /// <summary>User plus system CPU time the process has used so far, from /proc.</summary>
    public TimeSpan CpuTime() => ProcessCpu.Of(ProcessId);

    private async Task PipeAsync(StreamReader from)
    {
        try
        {
            string? line;
            while ((line = await from.ReadLineAsync()) is not null)
            {
                lock (_logLock)
                {
                    File.AppendAllText(Log, line + Environment.NewLine);
                }
            }
        }
        catch (Exception e) when (e is ObjectDisposedException or IOException)
        {
            // The incarnation was killed and disposed while its last lines were still on their way.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            await KillAsync();
        }

        _process?.Dispose();
    }
}
