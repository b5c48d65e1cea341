using System.Diagnostics;

namespace Orleans.Recovery.Bench;

/// <summary>What the relay says about the carts reported: each got its first follow-up, once, and when it arrived.</summary>
public static class MailedCarts
{
    /// <summary>
    /// Waits until every reported cart's first follow-up has reached the relay, and fails the run if one never does
    /// or if any message arrived twice (the same Message-ID, which the engine derives from its own message id, or a
    /// second message to the same cart's customer: each cart is its own customer and has one step due within the run).
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, DateTimeOffset>> WaitAsync(CountingSmtpServer smtp, IReadOnlyList<string> carts, TimeSpan timeout)
    {
        var waited = Stopwatch.StartNew();
        var anchor = (Wall: DateTimeOffset.UtcNow, Ticks: Stopwatch.GetTimestamp());
        while (true)
        {
            var received = smtp.Messages.GroupBy(m => m.Recipient).ToDictionary(g => g.Key, g => g.ToList());
            var missing = carts.Where(id => !received.ContainsKey($"{id}@bench.example")).ToList();
            if (missing.Count == 0)
            {
                if (smtp.Messages.FirstOrDefault(m => m.MessageId is null) is { } anonymous)
                {
                    throw new InvalidOperationException($"A message to {anonymous.Recipient} had no Message-ID header: duplicates cannot be told apart.");
                }

                if (Duplicates(smtp) is > 0 and var duplicates)
                {
                    throw new InvalidOperationException($"{duplicates} message(s) reached the relay twice: {string.Join(", ", smtp.Messages.GroupBy(m => m.MessageId).Where(g => g.Count() > 1).Take(5).Select(g => $"{g.First().Recipient} ({g.Key}) × {g.Count()}"))}.");
                }

                if (received.FirstOrDefault(r => r.Value.Count > 1) is { Value: not null } twice)
                {
                    throw new InvalidOperationException($"{twice.Key} got {twice.Value.Count} messages ({string.Join(", ", twice.Value.Select(m => m.MessageId))}); each cart has one step due within the run.");
                }

                return carts.ToDictionary(id => id, id => anchor.Wall - Stopwatch.GetElapsedTime(received[$"{id}@bench.example"][0].At, anchor.Ticks));
            }

            if (waited.Elapsed > timeout)
            {
                throw new TimeoutException($"{missing.Count} of {carts.Count} reported carts got no follow-up within {timeout} (lost), e.g. {string.Join(", ", missing.Take(5))}.");
            }

            await Task.Delay(500);
        }
    }

    /// <summary>Messages accepted more than once, by Message-ID.</summary>
    public static int Duplicates(CountingSmtpServer smtp) => smtp.Messages.GroupBy(m => m.MessageId).Sum(g => g.Count() - 1);
}
