using System.ComponentModel.DataAnnotations;

namespace Orleans.Recovery.Customers;

/// <summary>At most this many marketing emails per customer in any 7 days, all carts and orders together; bound from <c>Recovery:FrequencyCap</c>.</summary>
public sealed class FrequencyCapOptions : IValidatableObject
{
    public const string Section = "Recovery:FrequencyCap";

    public static readonly TimeSpan Window = TimeSpan.FromDays(7);

    public int MaxPerCustomerPer7Days { get; set; } = 3;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MaxPerCustomerPer7Days is < 1 or > 100)
        {
            yield return new ValidationResult($"{Section}:MaxPerCustomerPer7Days must be a whole number from 1 to 100.", [nameof(MaxPerCustomerPer7Days)]);
        }
    }
}

/// <summary>No marketing sends in the customer's local night, bound from <c>Recovery:QuietHours</c>: they wait for the morning.</summary>
public sealed class QuietHoursOptions : IValidatableObject
{
    public const string Section = "Recovery:QuietHours";

    public bool Enabled { get; set; } = true;

    /// <summary>Local time the night starts.</summary>
    public TimeSpan Start { get; set; } = new(21, 0, 0);

    /// <summary>Local time of the morning, when deferred sends go out.</summary>
    public TimeSpan End { get; set; } = new(8, 0, 0);

    /// <summary>The shop's time zone: used when neither the customer's time zone nor their country is known.</summary>
    public string ShopTimeZone { get; set; } = "UTC";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Start < TimeSpan.Zero || Start >= TimeSpan.FromDays(1))
        {
            yield return new ValidationResult($"{Section}:Start must be a time of day such as 21:00.", [nameof(Start)]);
        }

        if (End < TimeSpan.Zero || End >= TimeSpan.FromDays(1) || End == Start)
        {
            yield return new ValidationResult($"{Section}:End must be a time of day such as 08:00, other than Start.", [nameof(End)]);
        }

        if (!TimeZoneInfo.TryFindSystemTimeZoneById(ShopTimeZone, out _))
        {
            yield return new ValidationResult($"{Section}:ShopTimeZone '{ShopTimeZone}' is not a known time zone such as Europe/Berlin.", [nameof(ShopTimeZone)]);
        }
    }

    /// <summary>
    /// When a send at <paramref name="now"/> may go out in <paramref name="zone"/>: <paramref name="now"/> itself by
    /// day, the next local morning by night.
    /// </summary>
    public DateTimeOffset NextAllowed(DateTimeOffset now, TimeZoneInfo zone)
    {
        if (!Enabled)
        {
            return now;
        }

        var local = TimeZoneInfo.ConvertTime(now, zone);
        var time = local.TimeOfDay;
        var quiet = Start < End ? time >= Start && time < End : time >= Start || time < End;
        if (!quiet)
        {
            return now;
        }

        var morningDate = time >= End ? local.Date.AddDays(1) : local.Date;
        var morning = morningDate + End;

        // A morning that falls into a DST gap does not exist; the first valid minute after it does.
        while (zone.IsInvalidTime(morning))
        {
            morning = morning.AddMinutes(30);
        }

        var offset = zone.IsAmbiguousTime(morning) ? zone.GetAmbiguousTimeOffsets(morning).Max() : zone.GetUtcOffset(morning);
        return new DateTimeOffset(morning, offset).ToUniversalTime();
    }
}
