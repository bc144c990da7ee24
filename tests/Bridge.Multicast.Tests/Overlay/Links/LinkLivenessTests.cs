using Bridge.Multicast.Overlay.Links;

namespace Bridge.Multicast.Tests.Overlay.Links;

/// <summary>Link liveness: dead once silent for the dead interval, and every frame counts.</summary>
public sealed class LinkLivenessTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    [Fact]
    public void IsDead_SilentJustUnderTheDeadInterval_Alive()
    {
        var liveness = new LinkLiveness(10 * Second, deadInterval: 4 * Second);

        Assert.False(liveness.IsDead((14 * Second) - TimeSpan.FromTicks(1), out var silent));
        Assert.Equal((4 * Second) - TimeSpan.FromTicks(1), silent);
    }

    [Fact]
    public void IsDead_SilentForTheDeadInterval_Dead()
    {
        var liveness = new LinkLiveness(10 * Second, deadInterval: 4 * Second);

        Assert.True(liveness.IsDead(14 * Second, out var silent));
        Assert.Equal(4 * Second, silent);
    }

    [Fact]
    public void HandleFrame_BeforeTheDeadInterval_RestartsTheSilence()
    {
        var liveness = new LinkLiveness(TimeSpan.Zero, deadInterval: 4 * Second);

        liveness.HandleFrame(3 * Second);

        Assert.False(liveness.IsDead(6 * Second, out _));
        Assert.Equal(3 * Second, liveness.LastFrameAt);
        Assert.Equal(4 * Second, liveness.SilentFor(7 * Second));
        Assert.True(liveness.IsDead(7 * Second, out _));
    }

    [Fact]
    public void New_ZeroDeadInterval_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new LinkLiveness(TimeSpan.Zero, TimeSpan.Zero));
    }
}
