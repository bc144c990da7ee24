using Bridge.Multicast.Overlay.Links;

namespace Bridge.Multicast.Tests.Overlay.Links;

/// <summary>
/// Round-trip samples from probes and echoes, smoothed as RFC 6298 §2 says; echoes of probes not
/// sent, already answered or no longer remembered give no sample.
/// </summary>
public sealed class RoundTripEstimatorTests
{
    private static readonly TimeSpan Ms = TimeSpan.FromMilliseconds(1);

    [Fact]
    public void New_NoSample_NullEstimates()
    {
        var rtt = new RoundTripEstimator();

        Assert.Null(rtt.Smoothed);
        Assert.Null(rtt.Latest);
    }

    [Fact]
    public void TryHandleEcho_FirstSample_TakenAsItIs()
    {
        var rtt = new RoundTripEstimator();
        var probe = rtt.NextProbe(100 * Ms);

        Assert.True(rtt.TryHandleEcho(probe, 120 * Ms, out var sample, out var smoothed));

        Assert.Equal(1ul, probe);
        Assert.Equal((20 * Ms, 20 * Ms), (sample, smoothed));
        Assert.Equal((20 * Ms, 20 * Ms), (rtt.Latest, rtt.Smoothed));
    }

    [Fact]
    public void TryHandleEcho_LaterSample_SevenEighthsOldOneEighthNew()
    {
        var rtt = new RoundTripEstimator();
        Assert.True(rtt.TryHandleEcho(rtt.NextProbe(TimeSpan.Zero), 80 * Ms, out _, out _));

        var probe = rtt.NextProbe(Ms * 1000);
        Assert.True(rtt.TryHandleEcho(probe, (Ms * 1000) + (160 * Ms), out var sample, out var smoothed));

        Assert.Equal(160 * Ms, sample);
        Assert.Equal(90 * Ms, smoothed); // 7/8 * 80 + 1/8 * 160
        Assert.Equal(160 * Ms, rtt.Latest);
    }

    [Fact]
    public void TryHandleEcho_ClockDidNotMove_OneTick()
    {
        var rtt = new RoundTripEstimator();
        var probe = rtt.NextProbe(TimeSpan.Zero);

        Assert.True(rtt.TryHandleEcho(probe, TimeSpan.Zero, out var sample, out var smoothed));
        Assert.Equal((TimeSpan.FromTicks(1), TimeSpan.FromTicks(1)), (sample, smoothed));
    }

    [Fact]
    public void TryHandleEcho_SameEchoTwice_OnlyTheFirstIsASample()
    {
        var rtt = new RoundTripEstimator();
        var probe = rtt.NextProbe(TimeSpan.Zero);
        Assert.True(rtt.TryHandleEcho(probe, 10 * Ms, out _, out _));

        Assert.False(rtt.TryHandleEcho(probe, 500 * Ms, out _, out _));
        Assert.Equal(10 * Ms, rtt.Smoothed);
    }

    [Theory]
    [InlineData(0ul)]
    [InlineData(2ul)]
    [InlineData(ulong.MaxValue)]
    public void TryHandleEcho_ProbeNeverSent_NoSample(ulong probe)
    {
        var rtt = new RoundTripEstimator();
        rtt.NextProbe(TimeSpan.Zero);

        Assert.False(rtt.TryHandleEcho(probe, 10 * Ms, out _, out _));
        Assert.Null(rtt.Smoothed);
    }

    [Fact]
    public void TryHandleEcho_ProbeNoLongerRemembered_NoSample()
    {
        var rtt = new RoundTripEstimator();
        var first = rtt.NextProbe(TimeSpan.Zero);
        for (var i = 0; i < RoundTripEstimator.ProbeSlots; i++)
        {
            rtt.NextProbe(Ms * (i + 1));
        }

        Assert.False(rtt.TryHandleEcho(first, 50 * Ms, out _, out _));
        Assert.True(rtt.TryHandleEcho(first + RoundTripEstimator.ProbeSlots, 50 * Ms, out var sample, out _));
        Assert.Equal((50 - RoundTripEstimator.ProbeSlots) * Ms, sample);
    }
}
