using System.Diagnostics.Metrics;
using TagList = System.Diagnostics.TagList;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Recovery.Ledger;

namespace Orleans.Recovery.Telemetry;

/// <summary>
/// The engine's own instruments, on the meter <c>Orleans.Recovery</c>, named after the OpenTelemetry conventions with a
/// <c>recovery.</c> prefix. Message and recovery counts are recorded when the ledger commits them, so a retried
/// batch or a repeated entry never counts twice.
/// </summary>
public sealed class RecoveryMetrics : ILedgerMetrics
{
    public const string MeterName = "Orleans.Recovery";

    private readonly Dictionary<string, Counter<long>> _messages;
    private readonly UpDownCounter<long> _recoveredOrders;
    private readonly UpDownCounter<double> _recoveredRevenue;
    private readonly Histogram<double> _lateness;
    private readonly Histogram<double> _smtpSend;

    public RecoveryMetrics(IServiceProvider services)
    {
        Meter = services.GetService<IMeterFactory>()?.Create(MeterName) ?? new Meter(MeterName);
        _messages = new[] { LedgerMetric.Planned, LedgerMetric.Sent, LedgerMetric.Skipped, LedgerMetric.Deferred, LedgerMetric.Failed, LedgerMetric.Clicked }.ToDictionary(
            kind => kind,
            kind => Meter.CreateCounter<long>($"recovery.messages.{kind}", "{message}", $"Follow-up messages {kind}, by flow and step{(kind is LedgerMetric.Skipped or LedgerMetric.Deferred or LedgerMetric.Failed ? " and reason" : "")}."));
        _recoveredOrders = Meter.CreateUpDownCounter<long>("recovery.orders.recovered", "{order}", "Orders credited to a recovery flow's message; an order cancelled or credited elsewhere later counts down.");
        _recoveredRevenue = Meter.CreateUpDownCounter<double>("recovery.revenue.recovered", "{currency_unit}", "Revenue of recovered orders, in the currency named by recovery.currency.");
        _lateness = Meter.CreateHistogram<double>("recovery.follow_up.lateness", "s", "How long after its due time a follow-up was claimed for sending.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600] });
        _smtpSend = Meter.CreateHistogram<double>("recovery.smtp.send.duration", "s", "How long the relay took to take one message, from the first command to its answer.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
    }

    public Meter Meter { get; }

    /// <summary>A committed change of the ledger's daily counts: a message event, or a recovery moving.</summary>
    public void Counted(string flow, int step, string metric, string detail, long count, decimal amount)
    {
        if (_messages.TryGetValue(metric, out var counter) && count > 0)
        {
            var tags = new TagList { { "recovery.flow", flow }, { "recovery.step", step } };
            if (detail.Length > 0)
            {
                tags.Add("recovery.reason", detail);
            }

            counter.Add(count, tags);
        }
        else if (metric == LedgerMetric.Recovered && count != 0)
        {
            _recoveredOrders.Add(count, new TagList { { "recovery.flow", flow }, { "recovery.step", step } });
        }
        else if (metric == LedgerMetric.Revenue && amount != 0)
        {
            _recoveredRevenue.Add((double)amount, new TagList { { "recovery.flow", flow }, { "recovery.currency", detail } });
        }
    }

    public void Claimed(string? flow, int step, TimeSpan late) =>
        _lateness.Record(Math.Max(late.TotalSeconds, 0), new TagList { { "recovery.flow", flow ?? "" }, { "recovery.step", step } });

    public void SmtpSent(TimeSpan took, bool delivered) =>
        _smtpSend.Record(took.TotalSeconds, new TagList { { "recovery.outcome", delivered ? "delivered" : "failed" } });

    /// <summary>The relay's connections a silo holds busy, read when metrics are collected.</summary>
    public void ObserveSmtpConnections(Func<int> inUse) =>
        Meter.CreateObservableUpDownCounter("recovery.smtp.connections.in_use", inUse, "{connection}", "Connections to the relay sending a message now.");
}
