using System.Collections.Frozen;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Orleans.Recovery.Mail;

/// <summary>
/// The templates of this process, read off the grains' scheduler: loaded when the process starts, then scanned every
/// <see cref="ScanInterval"/> on a timer's thread, so an operator's edit is used without a restart and no grain reads a
/// file in its turn. Each load that finds a change publishes a new <see cref="TemplateSnapshot"/>. An edit that does not
/// parse is logged with its file and line, and the last good version keeps being used.
/// </summary>
/// <remarks>
/// A scan rather than a file watcher: watchers miss edits on network shares and on volumes mounted into a container,
/// and a scan costs one look at each file's time and length, reading only the files that changed.
/// </remarks>
public sealed partial class TemplateStore : IHostedService, IDisposable
{
    /// <summary>How long an edit may wait to be used: the time between two scans of the directory.</summary>
    public static readonly TimeSpan ScanInterval = TimeSpan.FromSeconds(2);

    private readonly TimeProvider? _clock;
    private readonly ILogger _logger;
    private readonly Lock _loading = new();
    private TemplateSnapshot _current;
    private ITimer? _scan;
    private bool _failing;

    /// <param name="options">The operator's directory and the output limit; none for the built-in templates alone.</param>
    /// <param name="logger">Where broken edits and failed scans are reported.</param>
    /// <param name="clock">
    /// The scans' clock, the host's unkeyed TimeProvider (the wall clock), not the business clock tests move by days;
    /// a store built without one, as for the built-in templates alone, never scans and reads files on <see cref="Reload"/>.
    /// </param>
    public TemplateStore(IOptions<MailTemplateOptions>? options = null, ILogger<TemplateStore>? logger = null, TimeProvider? clock = null)
    {
        MaxOutputBytes = options?.Value.MaxOutputBytes ?? TemplateLimits.DefaultMaxOutputBytes;
        var directory = options?.Value.Directory is { Length: > 0 } configured ? Path.GetFullPath(configured) : null;
        _clock = clock;
        _logger = logger ?? NullLogger<TemplateStore>.Instance;

        // Parsed once here, under this process's limits: built-in templates never change while it runs.
        var builtIn = TemplateFiles.BuiltIn.ToFrozenDictionary(
            pair => pair.Key,
            pair => TemplateSource.Parse(pair.Value, $"the built-in template {pair.Key}.liquid", MaxOutputBytes),
            StringComparer.Ordinal);
        _current = new TemplateSnapshot(directory, builtIn, FrozenDictionary<string, TemplateFile>.Empty);
        Reload();
    }

    /// <summary>The templates as last loaded; reading it costs no I/O.</summary>
    public TemplateSnapshot Current => Volatile.Read(ref _current);

    /// <summary>The most one message may render to, <c>Recovery:Templates:MaxOutputBytes</c>.</summary>
    public int MaxOutputBytes { get; }

    /// <summary>
    /// Loads the operator's files that changed since the last load, and publishes them when any did; what the timer
    /// runs, and what a test calls to use an edit at once. Returns the snapshot now current.
    /// </summary>
    public TemplateSnapshot Reload()
    {
        lock (_loading)
        {
            return LoadChanges();
        }
    }

    /// <summary>What <see cref="Reload"/> does, with the loading lock held.</summary>
    private TemplateSnapshot LoadChanges()
    {
        var previous = _current;
        if (previous.Directory is not { } directory)
        {
            return previous;
        }

        var files = new Dictionary<string, TemplateFile>(StringComparer.Ordinal);
        try
        {
            foreach (var (key, file) in TemplateFiles.In(directory))
            {
                if (Load(file, previous.Files.GetValueOrDefault(key)) is { } loaded)
                {
                    files[key] = loaded;
                }
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // The next scan tries again; until then the templates stay as they were.
            if (!_failing)
            {
                LogScanFailed(exception, directory);
            }

            _failing = true;
            return previous;
        }

        _failing = false;
        if (files.Count == previous.Files.Count && files.All(pair => previous.Files.TryGetValue(pair.Key, out var known) && known == pair.Value))
        {
            return previous;
        }

        var next = previous.With(files.ToFrozenDictionary(StringComparer.Ordinal));
        Volatile.Write(ref _current, next);
        LogLoaded(directory, files.Count);
        return next;
    }

    /// <summary>The file as it is now, or as it was loaded when it has not changed since or cannot be read this time.</summary>
    private TemplateFile? Load(string file, TemplateFile? known)
    {
        var stamp = TemplateFiles.Stamp(file);
        if (known is not null && known.Stamp == stamp)
        {
            return known;
        }

        string source;
        try
        {
            source = File.ReadAllText(file);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // Being replaced, or removed since the directory was listed: the next scan sees which.
            return known;
        }

        if (TemplateSource.TryParse(source, MaxOutputBytes, out var template, out var error))
        {
            return new TemplateFile(file, stamp, template);
        }

        LogBrokenEdit(file, TemplateSource.Line(error), error);
        return new TemplateFile(file, stamp, known?.Template);
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (Current.Directory is not null && _clock is not null)
        {
            _scan ??= _clock.CreateTimer(_ => Scan(), null, ScanInterval, ScanInterval);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        Interlocked.Exchange(ref _scan, null)?.Dispose();
    }

    private void Scan()
    {
        // A scan still running (a slow share) makes this one needless.
        if (!_loading.TryEnter())
        {
            return;
        }

        try
        {
            LoadChanges();
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // On a timer's thread nobody would catch it: the process would end over a template.
            LogScanFailed(exception, Current.Directory);
        }
        finally
        {
            _loading.Exit();
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Template {File}{Line} does not parse, so its last good version is still used: {Error}")]
    private partial void LogBrokenEdit(string file, string line, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Templates loaded from {Directory}: {Files} files of the operator's in use")]
    private partial void LogLoaded(string directory, int files);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The template directory {Directory} could not be read; the templates stay as they were until a scan can")]
    private partial void LogScanFailed(Exception exception, string? directory);
}
