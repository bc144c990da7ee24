using Bridge.Multicast.Overlay.Gateway;
using Bridge.Multicast.Overlay.Links;

namespace Bridge.Multicast.Tests.Overlay.Links;

/// <summary>
/// Link-cost hysteresis: a change must be large (half the cost and 2 ms); later changes also wait
/// out the hold-down, the first sample does not; only links between transit gateways ever change
/// their cost.
/// </summary>
public sealed class LinkCostHysteresisTests
{
    private static readonly TimeSpan Ms = TimeSpan.FromMilliseconds(1);
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    [Theory]
    [InlineData(null, 1000u)]
    [InlineData(0L, 1u)]
    [InlineData(5L, 1u)]
    [InlineData(25_000L, 2500u)]
    [InlineData(long.MaxValue, uint.MaxValue)]
    public void CostOf_SmoothedRoundTrip_MicrosecondsClamped(long? ticks, uint expected)
    {
        Assert.Equal(expected, LinkCostHysteresis.CostOf(ticks is { } t ? TimeSpan.FromTicks(t) : null));
    }

    [Fact]
    public void New_NoSampleYet_AdvertisesTheGuess()
    {
        var cost = new LinkCostHysteresis(PeerKind.Gateway, Second, smoothed: null);

        Assert.Equal(LinkCostHysteresis.UnmeasuredCostMicroseconds, cost.AdvertisedCost);
        Assert.Equal(Second, cost.ChangedAt);
        Assert.False(cost.Measured);
    }

    [Fact]
    public void TryUpdate_FirstSample_ReplacesTheGuessWithoutHoldDown()
    {
        var cost = new LinkCostHysteresis(PeerKind.Gateway, TimeSpan.Zero, smoothed: null);

        Assert.True(cost.TryUpdate(10 * Ms, 20 * Ms, out var advertised));

        Assert.Equal(20_000u, advertised);
        Assert.Equal((20_000u, 10 * Ms, true), (cost.AdvertisedCost, cost.ChangedAt, cost.Measured));
    }

    [Fact]
    public void TryUpdate_SmallChange_KeepsTheCost()
    {
        var cost = Measured(20 * Ms);

        // 20 ms -> 29 ms is less than half of 20 ms.
        Assert.False(cost.TryUpdate(20 * Second, 29 * Ms, out var advertised));

        Assert.Equal(20_000u, advertised);
        Assert.Equal(20_000u, cost.AdvertisedCost);
    }

    [Fact]
    public void TryUpdate_HalfButUnderTwoMilliseconds_KeepsTheCost()
    {
        var cost = new LinkCostHysteresis(PeerKind.Gateway, TimeSpan.Zero, smoothed: 2 * Ms);

        // 2 ms -> 3.9 ms is more than half, but under the 2 ms floor: not even the first sample moves it.
        Assert.False(cost.TryUpdate(20 * Second, TimeSpan.FromMicroseconds(3900), out _));
        Assert.Equal(2000u, cost.AdvertisedCost);
    }

    [Fact]
    public void TryUpdate_LargeChangeWithinHoldDown_WaitsThenChanges()
    {
        var cost = Measured(20 * Ms, at: Second);

        Assert.False(cost.TryUpdate(Second + (4 * Second), 60 * Ms, out _));
        Assert.True(cost.TryUpdate(Second + (5 * Second), 60 * Ms, out var advertised));

        Assert.Equal(60_000u, advertised);
        Assert.Equal(6 * Second, cost.ChangedAt);
    }

    [Fact]
    public void TryUpdate_LargeDrop_Changes()
    {
        var cost = Measured(60 * Ms);

        Assert.True(cost.TryUpdate(10 * Second, 20 * Ms, out var advertised));
        Assert.Equal(20_000u, advertised);
    }

    [Theory]
    [InlineData(PeerKind.Leaf)]
    [InlineData(PeerKind.Upstream)]
    public void TryUpdate_NotALinkStateLink_NeverChanges(PeerKind kind)
    {
        var cost = new LinkCostHysteresis(kind, TimeSpan.Zero, smoothed: null);

        Assert.False(cost.TryUpdate(Ms, 80 * Ms, out _));
        Assert.False(cost.TryUpdate(60 * Second, 200 * Ms, out _));
        Assert.Equal(LinkCostHysteresis.UnmeasuredCostMicroseconds, cost.AdvertisedCost);
        Assert.True(cost.Measured);
    }

    [Fact]
    public void New_NegativeHoldDown_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new LinkCostHysteresis(PeerKind.Gateway, TimeSpan.Zero, null, -Ms));
    }

    /// <summary>A gateway link whose first sample, <paramref name="rtt"/>, came at <paramref name="at"/>.</summary>
    private static LinkCostHysteresis Measured(TimeSpan rtt, TimeSpan? at = null)
    {
        var cost = new LinkCostHysteresis(PeerKind.Gateway, TimeSpan.Zero, smoothed: null);
        Assert.True(cost.TryUpdate(at ?? TimeSpan.Zero, rtt, out _));
        return cost;
    }
}
