using System.Collections.Concurrent;
using System.Diagnostics;
using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Npgsql;

namespace Orleans.Recovery.Bench;

/// <summary>
/// The peer: what a .NET shop would write instead of the engine, with Hangfire on the same PostgreSQL. One delayed
/// job per cart, rescheduled on each snapshot, that checks the shop's own table for a purchase when it fires and
/// then sends the email over the same SMTP connections the product gets. Measured twice: with Hangfire's defaults,
/// and with the fastest polling its documentation describes.
/// </summary>
public sealed class HangfirePeer(BenchMode mode, Func<string, Task<string>> newDatabase, Action<string> report)
{
    /// <summary>Hangfire's defaults: the delayed-job scheduler and the PostgreSQL queue both poll every 15 s.</summary>
    public static readonly Polling Default = new("default", BackgroundJobServerOptionsDefault(), TimeSpan.FromSeconds(15), LongPolling: false);

    /// <summary>
    /// The fastest setting documented: Hangfire documents <c>SchedulePollingInterval</c> without a lower bound, and
    /// its scheduler waits that long only when nothing is due, so 1 s is the finest a shop would run without polling
    /// the schedule under its distributed lock continuously; Hangfire.PostgreSql's long polling (LISTEN/NOTIFY) wakes
    /// the workers as soon as a job is enqueued, with its queue polled every second besides.
    /// </summary>
    public static readonly Polling Fastest = new("fastest", TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), LongPolling: true);

    public sealed record Polling(string Name, TimeSpan Schedule, TimeSpan Queue, bool LongPolling);

    private static TimeSpan BackgroundJobServerOptionsDefault() => new BackgroundJobServerOptions().SchedulePollingInterval;

    /// <summary>Schedule calls per second over as many threads as the product's load generator has connections.</summary>
    public async Task<double> SchedulePerSecondAsync()
    {
        var storage = await StorageAsync(Default);
        await using var shop = storage.Shop;
        var client = new BackgroundJobClient(storage.Jobs);
        var stop = Stopwatch.StartNew();
        var counts = await Task.WhenAll(Enumerable.Range(0, mode.Connections).Select(worker => Task.Factory.StartNew(() =>
        {
            var scheduled = 0;
            while (stop.Elapsed < mode.Duration)
            {
                // A new cart's first snapshot: its reminder an hour ahead, as the product's cart snapshots get.
                var cart = $"schedule-{worker}-{scheduled}";
                client.Schedule(() => PeerJobs.FollowUpAsync(cart), TimeSpan.FromHours(1));
                scheduled++;
            }

            return scheduled;
        }, TaskCreationOptions.LongRunning)));
        return counts.Sum() / stop.Elapsed.TotalSeconds;
    }

    /// <summary>
    /// N carts fall due at the same instant. Each gets two snapshots: the first schedules its job an hour ahead, the
    /// second reschedules it to the instant. One in ten buys in between, so the job's check finds a purchase. How late
    /// each job reached its send (after its purchase check, as the product's claim) is recorded by the job itself.
    /// </summary>
    public async Task<List<double>> LatenessAsync(Polling polling, int smtpPort)
    {
        var storage = await StorageAsync(polling);
        await using var shop = storage.Shop;
        await using (var create = shop.CreateCommand("CREATE TABLE peer_purchases (cart_id text PRIMARY KEY)"))
        {
            await create.ExecuteNonQueryAsync();
        }

        await using var smtp = new SmtpPool(smtpPort, 4);
        var count = mode.DueTogether;
        var done = new CountdownEvent(count);
        var options = new BackgroundJobServerOptions { SchedulePollingInterval = polling.Schedule };
        using var server = new BackgroundJobServer(options, storage.Jobs);
        var client = new BackgroundJobClient(storage.Jobs);

        // Every cart's first snapshot schedules its job an hour ahead; one in ten then buys. The instant they fall due
        // is set once that is done, far enough ahead for the second snapshots at the pace the first ones took.
        var carts = Enumerable.Range(0, count).Select(i => $"due-{i}").ToArray();
        var jobs = new string[count];
        var first = Stopwatch.StartNew();
        await OnThreadsAsync(count, i =>
        {
            jobs[i] = client.Schedule(() => PeerJobs.FollowUpAsync(carts[i]), TimeSpan.FromHours(1));
            if (i % 10 == 0)
            {
                using var bought = shop.CreateCommand("INSERT INTO peer_purchases (cart_id) VALUES ($1)");
                bought.Parameters.AddWithValue(carts[i]);
                bought.ExecuteNonQuery();
            }
        });
        var now = DateTimeOffset.UtcNow;
        var due = new DateTimeOffset(now.Ticks - now.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero) + TimeSpan.FromSeconds(Math.Ceiling(3 + 2 * first.Elapsed.TotalSeconds));
        PeerJobs.Begin(shop, smtp, done, due);
        await OnThreadsAsync(count, i => client.Reschedule(jobs[i], due));
        if (DateTimeOffset.UtcNow > due - TimeSpan.FromSeconds(1))
        {
            throw new InvalidOperationException($"Rescheduling {count} carts for Hangfire ran past their due time {due:O}.");
        }

        var waited = await Task.Run(() => done.Wait(due - DateTimeOffset.UtcNow + mode.DeliveryTimeout));
        if (!waited)
        {
            throw new TimeoutException($"{count - done.CurrentCount} of {count} Hangfire jobs ran within {mode.DeliveryTimeout} of their due time.");
        }

        var lateness = PeerJobs.End();
        report($"hangfire ({polling.Name}: schedule polled every {polling.Schedule.TotalSeconds} s, queue every {polling.Queue.TotalSeconds} s" +
               $"{(polling.LongPolling ? " and on NOTIFY" : "")}): {count} jobs due together, {smtp.Sent} emails sent; all ran {(DateTimeOffset.UtcNow - due).TotalSeconds:F0} s after");
        server.SendStop();
        return lateness;
    }

    /// <summary>Hangfire's client is synchronous, so the calls run on their own threads, as many as the load generator's connections.</summary>
    private Task OnThreadsAsync(int count, Action<int> call)
    {
        var next = -1;
        return Task.WhenAll(Enumerable.Range(0, mode.Connections).Select(_ => Task.Factory.StartNew(() =>
        {
            for (var i = Interlocked.Increment(ref next); i < count; i = Interlocked.Increment(ref next))
            {
                call(i);
            }
        }, TaskCreationOptions.LongRunning)));
    }

    private async Task<PeerStorage> StorageAsync(Polling polling)
    {
        var database = await newDatabase("bench_hangfire");
        var options = new PostgreSqlStorageOptions
        {
            QueuePollInterval = polling.Queue,
            EnableLongPolling = polling.LongPolling,
            PrepareSchemaIfNecessary = true,
        };
        return new PeerStorage(new PostgreSqlStorage(new NpgsqlConnectionFactory(database, options), options), NpgsqlDataSource.Create(database));
    }

    private sealed record PeerStorage(PostgreSqlStorage Jobs, NpgsqlDataSource Shop);

    /// <summary>
    /// SMTP connections the jobs share, as many as the product's <c>Recovery:Smtp:MaxConnections</c> in the same run,
    /// each opened on first use and again whenever the server has closed it (an idle one is closed after a while).
    /// </summary>
    public sealed class SmtpPool(int port, int size) : IAsyncDisposable
    {
        // A session that stops answering is given up after 10 s, as a sender's would be, rather than after MailKit's
        // default of 2 minutes: with Hangfire's retry after it, one stalled session made a job miss the run's limit.
        private readonly ConcurrentBag<SmtpClient> _idle = [.. Enumerable.Range(0, size).Select(_ => new SmtpClient { Timeout = 10_000 })];
        private readonly SemaphoreSlim _free = new(size);
        private int _sent;

        public int Sent => _sent;

        public async Task SendAsync(MimeMessage message)
        {
            await _free.WaitAsync();
            _idle.TryTake(out var client);
            try
            {
                try
                {
                    await ConnectedAsync(client!);
                    await client!.SendAsync(message);
                }
                catch (Exception e) when (e is ServiceNotConnectedException or SmtpProtocolException or IOException or TimeoutException or OperationCanceledException)
                {
                    // Closed under us, or stalled: once more on a fresh connection, as any sender would.
                    await client!.DisconnectAsync(quit: false);
                    await ConnectedAsync(client);
                    await client.SendAsync(message);
                }

                Interlocked.Increment(ref _sent);
            }
            finally
            {
                _idle.Add(client!);
                _free.Release();
            }
        }

        private async Task ConnectedAsync(SmtpClient client)
        {
            if (!client.IsConnected)
            {
                await client.ConnectAsync("127.0.0.1", port, SecureSocketOptions.None);
            }
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var client in _idle)
            {
                if (client.IsConnected)
                {
                    await client.DisconnectAsync(quit: true);
                }

                client.Dispose();
            }
        }
    }
}

/// <summary>The shop's job, as Hangfire calls it: a public static method whose arguments Hangfire stores with the job.</summary>
public static class PeerJobs
{
    private static NpgsqlDataSource? _shop;
    private static HangfirePeer.SmtpPool? _smtp;
    private static CountdownEvent? _done;
    private static ConcurrentDictionary<string, double> _lateness = [];
    private static ConcurrentDictionary<string, bool> _finished = [];
    private static DateTimeOffset _due;

    public static void Begin(NpgsqlDataSource shop, HangfirePeer.SmtpPool smtp, CountdownEvent done, DateTimeOffset due) =>
        (_shop, _smtp, _done, _lateness, _finished, _due) = (shop, smtp, done, [], [], due);

    public static List<double> End()
    {
        var lateness = _lateness.Values.ToList();
        lateness.Sort();
        return lateness;
    }

    public static async Task FollowUpAsync(string cart)
    {
        if (_shop is null)
        {
            return;
        }

        await using var check = _shop.CreateCommand("SELECT EXISTS (SELECT 1 FROM peer_purchases WHERE cart_id = $1)");
        check.Parameters.AddWithValue(cart);
        var bought = (bool)(await check.ExecuteScalarAsync())!;
        // The first attempt's lateness: a retry after a failed send must not count the cart twice.
        _lateness.TryAdd(cart, (DateTimeOffset.UtcNow - _due).TotalMilliseconds);
        if (!bought)
        {
            var message = new MimeMessage();
            message.From.Add(new MailboxAddress("Shop", "shop@bench.example"));
            message.To.Add(new MailboxAddress("Ana", $"{cart}@bench.example"));
            message.Subject = "You left something in your cart";
            message.Body = new TextPart("plain") { Text = $"Your cart {cart} is waiting: https://shop.example/cart/{cart}" };
            await _smtp!.SendAsync(message);
        }

        if (_finished.TryAdd(cart, true))
        {
            _done!.Signal();
        }
    }
}
