using Orleans.Recovery.Customers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Recovery.Coupons;
using Orleans.Recovery.Flows;
using Orleans.Recovery.Ledger;
using Orleans.Recovery.Mail;
using Orleans.Recovery.Telemetry;
using Orleans.Reminders;

namespace Orleans.Recovery.FollowUps;

/// <summary>What every grain's follow-up engine shares on a silo.</summary>
public sealed class FollowUpServices(
    [FromKeyedServices(ReminderTimeProviderNames.Reminders)] TimeProvider clock,
    FlowCatalog flows,
    CouponCodes couponCodes,
    IOptions<SmtpOptions> smtp,
    IGrainFactory grains,
    ILedger ledger,
    RecoveryMetrics metrics,
    CustomerKeys customerKeys,
    UnsettledHandOffs unsettled,
    ILogger<FollowUpEngine> logger)
{
    /// <summary>Outcomes the mail grain could not report, for their owners' next ticks.</summary>
    public UnsettledHandOffs Unsettled { get; } = unsettled;

    /// <summary>How a shopper's address becomes the key of their customer grain, and of everything kept on them.</summary>
    public CustomerKeys CustomerKeys { get; } = customerKeys;

    /// <summary>The engine's instruments: here, how late follow-ups are claimed.</summary>
    public RecoveryMetrics Metrics { get; } = metrics;

    /// <summary>Where every grain's ledger entries go once its state is written.</summary>
    public ILedger Ledger { get; } = ledger;

    public TimeProvider Clock { get; } = clock;

    public FlowCatalog Flows { get; } = flows;

    public CouponCodes CouponCodes { get; } = couponCodes;

    /// <summary><c>Recovery:Smtp:Timeout</c>: the longest a granted message may wait for its hand-off to the relay.</summary>
    public TimeSpan HandOffBudget { get; } = smtp.Value.Timeout;

    public IGrainFactory Grains { get; } = grains;

    public ILogger Logger { get; } = logger;
}
