using System.Diagnostics;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using MimeKit;

namespace Orleans.Recovery.Testing;

/// <summary>
/// A real IMAP server for the bounce-mailbox tests: Debian's Dovecot (<c>apt-get install dovecot-imapd</c>), started on
/// a free loopback port from a configuration of its own in a temporary directory, with one throwaway mailbox, and
/// stopped at the end. Run as root, it uses the package's <c>dovecot</c> and <c>dovenull</c> users, as Dovecot will not
/// deliver mail as root; otherwise it runs as the current user.
/// </summary>
public sealed class DovecotServer : IAsyncDisposable
{
    public const string Binary = "/usr/sbin/dovecot";
    public const string Username = "bounces";
    public const string Password = "bounce-mailbox-password-0123";

    private readonly string _directory;
    private readonly string _configuration;

    private DovecotServer(string directory, string configuration, int port)
    {
        _directory = directory;
        _configuration = configuration;
        Port = port;
    }

    public int Port { get; }

    public static async Task<DovecotServer> StartAsync()
    {
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException($"The bounce-mailbox tests need Dovecot at {Binary}: ./test.sh installs it (apt-get install dovecot-imapd).");
        }

        var directory = Directory.CreateTempSubdirectory("recovery-dovecot-").FullName;
        var mail = Directory.CreateDirectory(Path.Combine(directory, "mail")).FullName;
        var port = FreePort.Next();
        var root = Environment.UserName == "root";
        var (uid, gid) = root ? (await IdAsync("-u", "dovecot"), await IdAsync("-g", "dovecot")) : (await IdAsync("-u", null), await IdAsync("-g", null));
        var internalUser = root ? "dovecot" : Environment.UserName;
        var loginUser = root ? "dovenull" : Environment.UserName;
        await File.WriteAllTextAsync(Path.Combine(directory, "users"), $"{Username}:{{PLAIN}}{Password}\n");
        if (root)
        {
            // Its auth and mail processes run as the dovecot user, and must reach the password file and the mailbox.
            await RunAsync("chown", ["-R", "dovecot:dovecot", directory]);
        }

        var configuration = Path.Combine(directory, "dovecot.conf");
        await File.WriteAllTextAsync(configuration, $$"""
            base_dir = {{directory}}/run
            state_dir = {{directory}}/state
            log_path = {{directory}}/dovecot.log
            protocols = imap
            listen = 127.0.0.1
            ssl = no
            disable_plaintext_auth = no
            auth_mechanisms = plain login
            mail_location = maildir:{{mail}}/%u
            first_valid_uid = {{uid}}
            default_internal_user = {{internalUser}}
            default_login_user = {{loginUser}}
            passdb {
              driver = passwd-file
              args = scheme=PLAIN username_format=%u {{directory}}/users
            }
            userdb {
              driver = static
              args = uid={{uid}} gid={{gid}} home={{mail}}/%u
            }
            service imap-login {
              inet_listener imap {
                address = 127.0.0.1
                port = {{port}}
              }
              inet_listener imaps {
                port = 0
              }
            }
            """);
        await RunAsync(Binary, ["-c", configuration]);
        var server = new DovecotServer(directory, configuration, port);
        try
        {
            await server.WaitUntilAnsweringAsync();
        }
        catch
        {
            var log = File.Exists(Path.Combine(directory, "dovecot.log")) ? await File.ReadAllTextAsync(Path.Combine(directory, "dovecot.log")) : "";
            await server.DisposeAsync();
            throw new InvalidOperationException($"Dovecot did not answer on port {port}. Its log:\n{log}");
        }

        return server;
    }

    private Task WaitUntilAnsweringAsync() =>
        Eventually.TrueAsync(async () =>
        {
            try
            {
                using var client = await ConnectAsync();
                return true;
            }
            catch (Exception exception) when (exception is System.Net.Sockets.SocketException or IOException or ImapProtocolException or AuthenticationException)
            {
                return false;
            }
        }, what: $"Dovecot answering on port {Port}");

    /// <summary>A signed-in IMAP session to the mailbox, as the test's own client.</summary>
    public async Task<ImapClient> ConnectAsync()
    {
        var client = new ImapClient();
        await client.ConnectAsync("127.0.0.1", Port, SecureSocketOptions.None);
        await client.AuthenticateAsync(Username, Password);
        return client;
    }

    /// <summary>Puts a message in a folder, as the mail server would on delivery.</summary>
    public async Task DeliverAsync(MimeMessage message, string folder = "INBOX")
    {
        using var client = await ConnectAsync();
        var target = await client.GetFolderAsync(folder);
        await target.AppendAsync(message, MessageFlags.None);
        await client.DisconnectAsync(true);
    }

    /// <summary>How many messages a folder holds; -1 when it does not exist.</summary>
    public async Task<int> CountAsync(string folder)
    {
        using var client = await ConnectAsync();
        try
        {
            var target = await client.GetFolderAsync(folder);
            await target.OpenAsync(FolderAccess.ReadOnly);
            return target.Count;
        }
        catch (FolderNotFoundException)
        {
            return -1;
        }
        finally
        {
            await client.DisconnectAsync(true);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await RunAsync(Binary, ["-c", _configuration, "stop"]);
        }
        finally
        {
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static async Task<string> IdAsync(string what, string? user)
    {
        var start = new ProcessStartInfo("id", user is null ? [what] : [what, user]) { RedirectStandardOutput = true };
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return output.Trim();
    }

    private static async Task RunAsync(string program, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetTempPath() };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await error}{await output}");
        }
    }
}
