using Bridge.Multicast.Overlay.Gateway;

namespace Bridge.Multicast.Tests.Overlay.Gateway;

/// <summary>Rejections counted per reason and in their summary counter; a copy keeps its own counts.</summary>
public sealed class GatewayCountersTests
{
    public static TheoryData<GatewayRejection> Reasons() => new(GatewayRejections.All);

    [Theory]
    [MemberData(nameof(Reasons))]
    public void CountRejection_EachReason_CountedUnderItAndItsSummaryOnly(GatewayRejection reason)
    {
        var counters = new GatewayCounters();

        counters.CountRejection(reason);

        Assert.All(GatewayRejections.All, r => Assert.Equal(r == reason ? 1 : 0, counters.Rejected(r)));
        var summaries = typeof(GatewayCounters).GetProperties().Where(p => (long)p.GetValue(counters)! != 0).Select(static p => p.Name);
        Assert.Equal(GatewayRejections.SummaryOf(reason) is { } summary ? [summary] : [], summaries);
    }

    [Fact]
    public void Rejected_NotAReason_Zero()
    {
        var counters = new GatewayCounters();
        counters.CountRejection(GatewayRejection.UnknownPeer);

        Assert.Equal(0, counters.Rejected((GatewayRejection)99));
    }

    [Fact]
    public void Copy_LaterRejections_NotSeenInTheCopy()
    {
        var counters = new GatewayCounters();
        counters.CountRejection(GatewayRejection.MalformedRelay);

        var copy = counters.Copy();
        counters.CountRejection(GatewayRejection.MalformedRelay);

        Assert.Equal((1, 1), (copy.Rejected(GatewayRejection.MalformedRelay), copy.PeerRejected));
        Assert.Equal((2, 2), (counters.Rejected(GatewayRejection.MalformedRelay), counters.PeerRejected));
    }
}
