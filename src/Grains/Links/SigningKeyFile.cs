using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Orleans.Recovery.Links;

/// <summary>
/// The file that keeps the embedded default's link-signing key across restarts. Links in mail already sent depend on
/// it, so it is written whole or not at all, readable by its owner only, and refused when it no longer holds a key.
/// </summary>
public static class SigningKeyFile
{
    public const int MinimumBytes = 32;

    /// <summary>The key in <paramref name="path"/>, or null with <paramref name="problem"/> saying what is wrong with it.</summary>
    public static byte[]? Read(string path, out string? problem)
    {
        var text = File.ReadAllText(path).Trim();
        if (TryParse(text, out var key))
        {
            problem = null;
            return key;
        }

        problem = $"{LinkOptions.Section}:SigningKeyFile: {path} does not hold a key ({(text.Length == 0 ? "it is empty" : "it is short or damaged")}); it must hold base64 of at least {MinimumBytes} random bytes. Restore it from a backup, or delete it to have a new one made: links in mail already sent then stop working.";
        return null;
    }

    /// <summary>A key written as base64 of at least <see cref="MinimumBytes"/> bytes, as configured or in the file.</summary>
    public static bool TryParse(string text, out byte[] key)
    {
        var buffer = new byte[text.Length];
        var ok = Convert.TryFromBase64String(text, buffer, out var length) && length >= MinimumBytes;
        key = ok ? buffer[..length] : [];
        return ok;
    }

    /// <summary>
    /// Makes a key and writes it to <paramref name="path"/>: to a temporary file of a unique name first, flushed to
    /// disk with mode 0600, then moved into place without replacing anything. A process that loses the race to
    /// another starting on the same folder takes the winner's key.
    /// </summary>
    public static byte[] Create(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var key = RandomNumberGenerator.GetBytes(MinimumBytes);
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using (var stream = new FileStream(temporary, create))
            {
                stream.Write(Encoding.ASCII.GetBytes(Convert.ToBase64String(key) + "\n"));
                stream.Flush(flushToDisk: true);
            }

            PublishWithoutReplacing(temporary, path);
            return key;
        }
        catch (IOException) when (File.Exists(path))
        {
            return Read(path, out var problem) ?? throw new InvalidOperationException(problem);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>
    /// Gives <paramref name="temporary"/> the name <paramref name="path"/> unless that name exists, atomically: of
    /// processes racing, exactly one wins. On Unix, .NET's move without overwrite checks and then renames, which lets
    /// two win; link(2) fails on an existing name instead.
    /// </summary>
    private static void PublishWithoutReplacing(string temporary, string path)
    {
        if (OperatingSystem.IsWindows())
        {
            File.Move(temporary, path, overwrite: false);
            return;
        }

        if (Link(temporary, path) != 0)
        {
            var error = Marshal.GetLastPInvokeError();
            throw new IOException($"{path} could not be created (errno {error}).", error);
        }
    }

    [DllImport("libc", EntryPoint = "link", SetLastError = true)]
    private static extern int Link(string existing, string created);
}
