namespace Orleans.Recovery.Ledger;

/// <summary>A UTC day as the ledger counts them, and the first millisecond of it.</summary>
public static class LedgerDays
{
    private static readonly int Epoch = new DateOnly(1970, 1, 1).DayNumber;

    public static long Of(DateOnly date) => date.DayNumber - Epoch;

    public static DateOnly Date(long day) => DateOnly.FromDayNumber((int)day + Epoch);

    public static long StartMs(DateOnly date) => Of(date) * LedgerColumns.MsPerDay;
}
