using Orleans.Recovery.Flows;

namespace Orleans.Recovery.Grains.Tests.Flows;

/// <summary>Which of two flow definitions is newer, as every silo's cache decides it: by a stored count, never by a clock.</summary>
[Trait("Category", "Unit")]
public sealed class FlowVersionTests
{
    private static readonly DateTimeOffset Noon = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void AChangeMadeOnASiloWhoseClockRunsBehindIsStillTheNewerOne()
    {
        var state = new FlowState();
        state.Changed(Noon);
        var first = state.CurrentVersion;

        state.Changed(Noon - TimeSpan.FromMinutes(5));

        Assert.True(state.CurrentVersion > first);
    }

    [Fact]
    public void AFlowChangedBeforeTheCountExistedCarriesOnAboveItsLastVersion()
    {
        var stored = new FlowState { ChangedAt = Noon };
        var before = stored.CurrentVersion;
        Assert.Equal(Noon.UtcTicks, before);

        stored.Changed(Noon - TimeSpan.FromHours(1));

        Assert.Equal(before + 1, stored.CurrentVersion);
    }

    [Fact]
    public void AFlowNeverChangedIsVersionZero() => Assert.Equal(0, new FlowState().CurrentVersion);
}
