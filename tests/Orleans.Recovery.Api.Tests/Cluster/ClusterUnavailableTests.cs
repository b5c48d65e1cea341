using Orleans.Recovery.Api.Cluster;
using Orleans.Runtime;

namespace Orleans.Recovery.Api.Tests.Cluster;

/// <summary>Which failures of a grain call the API retries and then answers 503 for, rather than 500.</summary>
[Trait("Category", "Unit")]
public sealed class ClusterUnavailableTests
{
    [Fact]
    public void ACallThatTimedOutOnASiloKilledUnderItIsRetriedNotA500()
    {
        // What a storefront's PUT met in the bench's kill of a silo: Orleans' response timeout, not wrapped.
        Assert.True(ClusterUnavailable.IsTransient(new TimeoutException("Response did not arrive on time in 00:00:30")));
        Assert.True(ClusterUnavailable.IsTransient(new SiloUnavailableException()));
        Assert.True(ClusterUnavailable.IsTransient(new OrleansException("Reminder Service is still initializing", new TimeoutException())));
    }

    [Fact]
    public void AFaultOfTheEngineItselfStaysAnError() =>
        Assert.False(ClusterUnavailable.IsTransient(new InvalidOperationException("a bug")));
}
