namespace Orleans.Recovery;

/// <summary>Names shared by every grain that persists state.</summary>
public static class RecoveryStorage
{
    /// <summary>The grain storage provider that holds carts, customers, orders and messages.</summary>
    public const string Name = "recovery";
}
