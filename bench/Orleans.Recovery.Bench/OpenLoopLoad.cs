using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;

namespace Orleans.Recovery.Bench;

/// <summary>
/// New carts PUT at a fixed rate, each on its own schedule whatever the answers to the others (an open loop): a slow
/// answer never delays the next request, and each latency is taken from the instant the request was due, not from
/// when it was sent, so a stall counts against every request it held back (no coordinated omission). wrk has no fixed
/// rate, so the bench keeps its own.
/// </summary>
public sealed class OpenLoopLoad : IAsyncDisposable
{
    private const int MaxAttempts = 4;

    private readonly HttpClient _client;
    private readonly double _rate;
    private readonly string _prefix;
    private readonly ConcurrentQueue<CartPut> _puts = new();
    private readonly ConcurrentQueue<Task> _inFlight = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _schedule;

    /// <summary>
    /// Starts the schedule at once. A 503 is retried after its Retry-After, up to four attempts, as a storefront does
    /// while the cluster reconfigures; the attempts are recorded, so a measurement can refuse a retried request.
    /// </summary>
    public OpenLoopLoad(Uri baseAddress, string key, double eventsPerSecond, string prefix)
    {
        // Enough connections that requests never queue in the client, where they would hide the product's own queueing.
        _client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1024 }) { BaseAddress = baseAddress, Timeout = TimeSpan.FromMinutes(2) };
        _client.DefaultRequestHeaders.Authorization = new("Bearer", key);
        _rate = eventsPerSecond;
        _prefix = prefix;
        _schedule = Task.Run(ScheduleAsync);
    }

    /// <summary>The PUTs answered so far, in no order.</summary>
    public IReadOnlyCollection<CartPut> Puts => _puts;

    /// <summary>Stops scheduling and waits for every request already sent to be answered.</summary>
    public async Task<IReadOnlyList<CartPut>> StopAsync()
    {
        await _stop.CancelAsync();
        await _schedule;
        await Task.WhenAll(_inFlight);
        return [.. _puts];
    }

    private async Task ScheduleAsync()
    {
        var start = Stopwatch.GetTimestamp();
        for (long i = 0; !_stop.IsCancellationRequested; i++)
        {
            var due = start + (long)(i * Stopwatch.Frequency / _rate);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                try
                {
                    await Task.Delay(wait, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }

            // Behind schedule (a pause of this process), the overdue requests go at once, each still timed from its own due instant.
            _inFlight.Enqueue(PutAsync($"{_prefix}-{i}", due));
        }
    }

    private async Task PutAsync(string cartId, long due)
    {
        var status = 0;
        var attempt = 1;
        for (; ; attempt++)
        {
            TimeSpan? retryAfter = null;
            try
            {
                using var body = new StringContent(Storefront.CartBody(cartId), Encoding.UTF8, "application/json");
                using var response = await _client.PutAsync($"/api/v1/carts/{cartId}", body);
                status = (int)response.StatusCode;
                if (response.IsSuccessStatusCode)
                {
                    break;
                }

                retryAfter = response.StatusCode == HttpStatusCode.ServiceUnavailable ? response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1) : null;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // No answer at all, or none within the client's two minutes: recorded as status 0, never retried.
                status = 0;
            }

            if (retryAfter is null || attempt == MaxAttempts)
            {
                break;
            }

            await Task.Delay(retryAfter.Value);
        }

        _puts.Enqueue(new CartPut(cartId, due, Stopwatch.GetTimestamp(), status, attempt));
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopAsync();
        }

        _stop.Dispose();
        _client.Dispose();
    }
}

/// <summary>One cart reported: when its PUT was due and answered (Stopwatch ticks), the last status, and the attempts it took.</summary>
public sealed record CartPut(string CartId, long DueAt, long AnsweredAt, int Status, int Attempts)
{
    public bool Reported => Status is >= 200 and < 300;

    public double LatencyMs => Stopwatch.GetElapsedTime(DueAt, AnsweredAt).TotalMilliseconds;
}
