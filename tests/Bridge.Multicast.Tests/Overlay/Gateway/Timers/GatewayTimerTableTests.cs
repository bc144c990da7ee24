using Bridge.Multicast.Overlay.Gateway.Timers;

namespace Bridge.Multicast.Tests.Overlay.Gateway.Timers;

/// <summary>
/// The timer table: the next timeout is the earliest armed slot, a stopped (cancelled) timer no
/// longer counts, re-arming replaces a deadline, and an expired slot stays until its owner acts.
/// </summary>
public sealed class GatewayTimerTableTests
{
    private static readonly TimeSpan Ms = TimeSpan.FromMilliseconds(1);

    [Fact]
    public void NextTimeout_NothingArmed_IsNull()
    {
        var table = new GatewayTimerTable();

        Assert.Null(table.NextTimeout());
        Assert.Null(table.Next());
        Assert.All(Enum.GetValues<GatewayTimer>(), timer => Assert.Null(table.Get(timer)));
    }

    [Fact]
    public void NextTimeout_SeveralArmed_IsTheEarliestWithItsTimer()
    {
        var table = new GatewayTimerTable();
        table.Set(GatewayTimer.SourceSweep, 300 * Ms);
        table.Set(GatewayTimer.MemberExpiry, 40 * Ms);
        table.Set(GatewayTimer.Election, 100 * Ms);

        Assert.Equal(40 * Ms, table.NextTimeout());
        Assert.Equal((GatewayTimer.MemberExpiry, 40 * Ms), table.Next());
    }

    [Fact]
    public void Stop_TheEarliest_NextIsTheFollowingOne()
    {
        var table = new GatewayTimerTable();
        table.Set(GatewayTimer.HeldDelivery, 10 * Ms);
        table.Set(GatewayTimer.HandoverEnd, 20 * Ms);

        table.Stop(GatewayTimer.HeldDelivery);

        Assert.Null(table.Get(GatewayTimer.HeldDelivery));
        Assert.Equal((GatewayTimer.HandoverEnd, 20 * Ms), table.Next());
        Assert.False(table.IsExpired(GatewayTimer.HeldDelivery, 15 * Ms));
    }

    [Fact]
    public void Stop_EveryTimer_NextTimeoutIsNullAgain()
    {
        var table = new GatewayTimerTable();
        table.Set(GatewayTimer.UpstreamReturn, 5 * Ms);
        table.SetOrStop(GatewayTimer.Flooding, 6 * Ms);

        table.Stop(GatewayTimer.UpstreamReturn);
        table.SetOrStop(GatewayTimer.Flooding, null);
        table.Stop(GatewayTimer.Flooding); // stopping a stopped timer changes nothing

        Assert.Null(table.NextTimeout());
    }

    [Fact]
    public void Set_AgainLater_ReplacesTheDeadline()
    {
        var table = new GatewayTimerTable();
        table.Set(GatewayTimer.MemberExpiry, 10 * Ms);
        table.Set(GatewayTimer.SourceSweep, 50 * Ms);

        table.Set(GatewayTimer.MemberExpiry, 80 * Ms);

        Assert.Equal((GatewayTimer.SourceSweep, 50 * Ms), table.Next());
        Assert.Equal(80 * Ms, table.Get(GatewayTimer.MemberExpiry));
    }

    [Fact]
    public void Next_TiedDeadlines_TheTimerDeclaredFirstWins()
    {
        var table = new GatewayTimerTable();
        table.Set(GatewayTimer.SourceSweep, 7 * Ms);
        table.Set(GatewayTimer.Election, 7 * Ms);

        Assert.Equal((GatewayTimer.Election, 7 * Ms), table.Next());
    }

    [Theory]
    [InlineData(9, false)]
    [InlineData(10, true)]
    [InlineData(11, true)]
    public void IsExpired_AroundTheDeadline_FromTheDeadlineOn(int nowMs, bool expired)
    {
        var table = new GatewayTimerTable();
        table.Set(GatewayTimer.HandoverEnd, 10 * Ms);

        Assert.Equal(expired, table.IsExpired(GatewayTimer.HandoverEnd, nowMs * Ms));
        Assert.Equal(10 * Ms, table.Get(GatewayTimer.HandoverEnd)); // passing a deadline does not clear it
    }

    [Fact]
    public void Set_NotATimer_Throws()
    {
        var table = new GatewayTimerTable();

        Assert.Throws<ArgumentOutOfRangeException>(() => table.Set((GatewayTimer)99, Ms));
    }
}
