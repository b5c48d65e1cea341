namespace Orleans.Recovery.Flows;

/// <summary>The flows the engine runs.</summary>
public static class FlowNames
{
    public const string CartAbandonment = "cart-abandonment";
}
