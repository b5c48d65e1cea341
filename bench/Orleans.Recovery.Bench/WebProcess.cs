using System.Diagnostics;

namespace Orleans.Recovery.Bench;

/// <summary>
/// A Release build of one of our web apps in a process of its own, as a shop runs it: Production, Warning logs, its
/// output in a log file of its own directory, ready once a path answers.
/// </summary>
public sealed class WebProcess : IAsyncDisposable
{
    private static readonly Lock LogLock = new();

    private readonly Process _process;
    private readonly string _project;
    private readonly string _directory;

    private WebProcess(Process process, string project, string directory, int httpPort)
    {
        _process = process;
        _project = project;
        _directory = directory;
        HttpPort = httpPort;
    }

    public int HttpPort { get; }

    public int ProcessId => _process.Id;

    public Uri BaseAddress => new($"http://127.0.0.1:{HttpPort}");

    /// <summary>
    /// Starts the Release build of <paramref name="project"/> (a folder of the repository) with
    /// <paramref name="settings"/> over the defaults, and waits until <paramref name="readyPath"/> answers with a status
    /// <paramref name="isReady"/> accepts.
    /// </summary>
    public static async Task<WebProcess> StartAsync(
        string repository, string project, string assembly, int httpPort, IReadOnlyDictionary<string, string> settings, string readyPath, Func<int, bool> isReady)
    {
        var dll = Path.Combine(repository, project, "bin", "Release", "net10.0", assembly + ".dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"{dll} is missing: bench/run builds it with 'dotnet build -c Release {project}' first.");
        }

        var directory = Directory.CreateTempSubdirectory("recovery-bench-").FullName;
        var start = new ProcessStartInfo("dotnet", [dll])
        {
            // The app's content root: its appsettings.json files stay in bin/, unread, so only what is set here applies.
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{httpPort}";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in settings)
        {
            start.Environment[key] = value;
        }

        // An experiment on the product's runtime alone (BENCH_PRODUCT_DOTNET_gcServer=0 sets DOTNET_gcServer=0 for the
        // product, not for the bench and its SMTP server, which share the machine and would change with it).
        foreach (var (key, value) in ProductEnvironment())
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start)!;
        var log = Path.Combine(directory, assembly + ".log");
        _ = PipeAsync(process.StandardOutput, log);
        _ = PipeAsync(process.StandardError, log);
        var web = new WebProcess(process, project, directory, httpPort);
        try
        {
            await web.WaitUntilReadyAsync(log, readyPath, isReady);
        }
        catch
        {
            await web.DisposeAsync();
            throw;
        }

        return web;
    }

    /// <summary>A client with the bearer key, enough connections for the bench's concurrency and a patient timeout.</summary>
    public HttpClient Client(string key)
    {
        var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        client.DefaultRequestHeaders.Authorization = new("Bearer", key);
        return client;
    }

    private async Task WaitUntilReadyAsync(string log, string readyPath, Func<int, bool> isReady)
    {
        using var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromMinutes(2))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{_project} exited with {_process.ExitCode} at start; see {log}.");
            }

            try
            {
                if (isReady((int)(await client.GetAsync(readyPath)).StatusCode))
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"{_project}'s {readyPath} did not answer as ready within 2 minutes; see {log}.");
    }

    /// <summary>The variables set as <c>BENCH_PRODUCT_NAME=value</c>, as <c>NAME=value</c>.</summary>
    public static IEnumerable<(string Key, string Value)> ProductEnvironment()
    {
        const string Prefix = "BENCH_PRODUCT_";
        foreach (System.Collections.DictionaryEntry variable in Environment.GetEnvironmentVariables())
        {
            if (variable.Key is string key && key.StartsWith(Prefix, StringComparison.Ordinal) && key.Length > Prefix.Length)
            {
                yield return (key[Prefix.Length..], variable.Value as string ?? "");
            }
        }
    }

    private static async Task PipeAsync(StreamReader from, string file)
    {
        string? line;
        while ((line = await from.ReadLineAsync()) is not null)
        {
            lock (LogLock)
            {
                File.AppendAllText(file, line + Environment.NewLine);
            }
        }
    }

    /// <summary>Resident memory of the process, from /proc, for the report beside the managed figure.</summary>
    public long ResidentBytes()
    {
        var line = File.ReadLines($"/proc/{_process.Id}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
