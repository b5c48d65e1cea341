using System.Diagnostics;

namespace Orleans.Recovery.Testing;

/// <summary>
/// A silo or API process as an operator runs it: <c>dotnet</c> on the assembly built beside the tests, configured
/// through environment variables, with its output in a log file the test can show when it fails.
/// </summary>
public sealed class ProductProcess : IDisposable
{
    private readonly Process _process;

    private ProductProcess(string name, Process process, string logFile)
    {
        Name = name;
        _process = process;
        LogFile = logFile;
    }

    public string Name { get; }

    public string LogFile { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>The exit code, once the process has exited.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>
    /// Starts <c>src/{project}/bin/{configuration}/net10.0/{assembly}.dll</c> in <paramref name="workingDirectory"/>;
    /// <paramref name="wrapper"/>, when given, is a command that runs it, such as <c>unshare -n …</c>.
    /// </summary>
    public static ProductProcess Start(string name, string project, string assembly, string workingDirectory, IReadOnlyDictionary<string, string> environment, IReadOnlyList<string>? wrapper = null)
    {
        var logFile = Path.Combine(workingDirectory, $"{name}.log");
        string[] command = [.. wrapper ?? [], "dotnet", BuiltAssembly(project, assembly)];
        var start = new ProcessStartInfo(command[0], command[1..])
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // Every host outside Development needs the customer-key secret; a test that means to leave it out sets it empty.
        start.Environment["Recovery__Privacy__CustomerKeySecret"] = TestCustomerKeys.Secret;
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var log = new StreamWriter(logFile, append: true) { AutoFlush = true };
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, line) => Write(log, line.Data);
        process.ErrorDataReceived += (_, line) => Write(log, line.Data);
        process.Exited += (_, _) => log.Dispose();
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ProductProcess(name, process, logFile);
    }

    /// <summary>Until the API in this process answers /health/ready with success, failing at once if the process exits.</summary>
    public Task WaitUntilReadyAsync(string baseUrl, TimeSpan timeout) => WaitUntilAsync(baseUrl, "/health/ready", timeout);

    /// <summary>Until <paramref name="path"/> answers with success, failing at once if the process exits.</summary>
    public async Task WaitUntilAsync(string baseUrl, string path, TimeSpan timeout)
    {
        using var probe = new HttpClient { BaseAddress = new Uri(baseUrl) };
        await Eventually.TrueAsync(
            async () =>
            {
                if (HasExited)
                {
                    throw new InvalidOperationException($"{Name} exited during start-up:\n{Tail()}");
                }

                try
                {
                    return (await probe.GetAsync(path)).IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            },
            timeout,
            $"{Name} to answer {path}");
    }

    /// <summary>SIGKILL: no shutdown code runs, as when a machine loses power or the kernel's OOM killer strikes.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM: what <c>docker stop</c> and Kubernetes send; the host shuts down gracefully.</summary>
    public async Task TerminateAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()]))
        {
            await kill.WaitForExitAsync();
        }

        using var wait = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(wait.Token);
    }

    /// <summary>
    /// The last lines of the log, for a failure message, without the frames of stack traces: a crash's trace alone
    /// would otherwise fill the tail and hide the message that said why the process stopped.
    /// </summary>
    public string Tail(int lines = 40)
    {
        try
        {
            var all = Log().Split('\n');
            var messages = all.Where(line => !IsStackFrame(line)).ToList();
            var shown = messages[Math.Max(0, messages.Count - lines)..];
            return $"--- {Name} ({LogFile}, {all.Length - messages.Count} stack frame lines left out) ---\n{string.Join('\n', shown)}";
        }
        catch (IOException e)
        {
            return $"--- {Name}: {e.Message}";
        }
    }

    private static bool IsStackFrame(string line)
    {
        var trimmed = line.TrimStart();
        return trimmed.StartsWith("at ", StringComparison.Ordinal) || trimmed.StartsWith("--- End of", StringComparison.Ordinal);
    }

    /// <summary>Everything the process has written so far.</summary>
    public string Log()
    {
        using var stream = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            try
            {
                log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
                // The process ended while its last lines were in flight.
            }
        }
    }

    /// <summary>The project's output as built beside these tests: src/{project}/bin/{configuration}/net10.0.</summary>
    private static string BuiltAssembly(string project, string assembly)
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory);
        var configuration = here.Parent!.Name;
        var path = Path.Combine(Repository.Root, "src", project, "bin", configuration, here.Name, $"{assembly}.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"{assembly} is not built at {path}", path);
    }
}
