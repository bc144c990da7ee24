using Bridge.Multicast.Naming;
using Bridge.Multicast.Overlay.Election;
using Bridge.Multicast.Overlay.Gateway;
using Bridge.Multicast.Overlay.Gateway.Membership;
using Bridge.Multicast.Overlay.Gateway.Timers;
using Bridge.Multicast.Overlay.Routing;
using static Bridge.Multicast.Tests.Overlay.Gateway.GatewayInputs;

namespace Bridge.Multicast.Tests.Overlay.Gateway.Membership;

/// <summary>
/// Member learning on its own: a report holds for its hold time and replaces the member's last
/// one, the <see cref="GatewayTimer.MemberExpiry"/> slot follows the earliest live report (never a
/// replaced one), and broken reports are refused under their reason.
/// </summary>
public sealed class DomainMembershipTests
{
    private static readonly TimeSpan Ms = TimeSpan.FromMilliseconds(1);
    private static readonly TimeSpan Hold = TimeSpan.FromMilliseconds(3500);
    private static readonly GroupName Group = GatewayWorld.Group;
    private static readonly GroupName Second = GroupName.Parse("ham:sg:outage.notice");

    [Fact]
    public void HandleReport_NamesAGroup_WantedUntilTheHoldTimeRunsOut()
    {
        var (membership, timers, counters) = Create();

        Assert.True(membership.HandleReport(10 * Ms, Decode(MemberReport("member-a", 1, [Group]))));

        Assert.True(membership.HasReportedMembers(Group));
        Assert.False(membership.HasReportedMembers(Second));
        Assert.Equal((10 * Ms) + Hold, timers.Get(GatewayTimer.MemberExpiry));
        Assert.Equal(membership.PollTimeout(), timers.Get(GatewayTimer.MemberExpiry));
        Assert.Equal(Hold, membership.LongestReportHold);
        Assert.Equal(1, counters.MemberReports);

        Assert.False(membership.HandleTimeout((10 * Ms) + Hold - Ms));
        Assert.True(membership.HasReportedMembers(Group));
        Assert.True(membership.HandleTimeout((10 * Ms) + Hold));
        Assert.False(membership.HasReportedMembers(Group));
        Assert.Null(timers.Get(GatewayTimer.MemberExpiry));
    }

    [Fact]
    public void HandleReport_Refreshed_TheTimerMovesToTheNewExpiryAndTheOldOneNeverFires()
    {
        var (membership, timers, _) = Create();
        membership.HandleReport(TimeSpan.Zero, Decode(MemberReport("member-a", 1, [Group])));

        membership.HandleReport(Ms * 1000, Decode(MemberReport("member-a", 2, [Group])));

        Assert.Equal((Ms * 1000) + Hold, timers.Get(GatewayTimer.MemberExpiry));
        Assert.False(membership.HandleTimeout(Hold)); // the first report's time: nothing expires
        Assert.True(membership.HasReportedMembers(Group));
        Assert.True(membership.HandleTimeout((Ms * 1000) + Hold));
        Assert.False(membership.HasReportedMembers(Group));
    }

    [Fact]
    public void HandleReport_TwoMembers_GroupWantedUntilTheLastLeaves()
    {
        var (membership, timers, _) = Create();
        membership.HandleReport(TimeSpan.Zero, Decode(MemberReport("member-a", 1, [Group, Second])));
        membership.HandleReport(5 * Ms, Decode(MemberReport("member-b", 1, [Group])));

        // An empty report is a leave: the timer now follows the remaining member.
        Assert.True(membership.HandleReport(6 * Ms, Decode(MemberReport("member-a", 2, []))));

        Assert.True(membership.HasReportedMembers(Group));
        Assert.False(membership.HasReportedMembers(Second));
        Assert.Equal(1, membership.Members);
        Assert.Equal((5 * Ms) + Hold, timers.Get(GatewayTimer.MemberExpiry));

        membership.HandleReport(7 * Ms, Decode(MemberReport("member-b", 2, [])));
        Assert.False(membership.HasReportedMembers(Group));
        Assert.Null(timers.Get(GatewayTimer.MemberExpiry));
    }

    [Fact]
    public void HandleReport_Fragment_RefusedAndCounted()
    {
        var (membership, _, counters) = Create();
        var fragment = Decode(MemberReport("member-a", 1, [Group])) with { FragmentCount = 2 };

        Assert.False(membership.HandleReport(TimeSpan.Zero, fragment));

        Assert.True(membership.TryPollEvent(out var rejected));
        Assert.Equal(new InputRejected(null, GatewayRejection.FragmentedMemberReport), rejected);
        Assert.Equal((1, 1, 0), (counters.Rejected(GatewayRejection.FragmentedMemberReport), counters.NativeMalformed, counters.MemberReports));
        Assert.False(membership.HasReportedMembers(Group));
    }

    [Fact]
    public void HandleReport_PayloadNotAHello_RefusedWithTheCodecsReason()
    {
        var (membership, _, counters) = Create();
        var broken = Decode(MemberReport("member-a", 1, [Group])) with { Payload = new byte[] { 1, 2, 3 } };

        Assert.False(membership.HandleReport(TimeSpan.Zero, broken));

        Assert.True(membership.TryPollEvent(out var rejected));
        Assert.Equal(new InputRejected(null, GatewayRejection.MalformedMemberReport, HelloError.Truncated), rejected);
        Assert.Equal(1, counters.Rejected(GatewayRejection.MalformedMemberReport));
        Assert.False(membership.TryPollEvent(out _));
    }

    [Fact]
    public void HandleReport_MoreMembersThanRemembered_CountedButNotKept()
    {
        var (membership, _, counters) = Create(maxSources: 1);
        membership.HandleReport(TimeSpan.Zero, Decode(MemberReport("member-a", 1, [Group])));

        membership.HandleReport(TimeSpan.Zero, Decode(MemberReport("member-b", 1, [Second])));

        Assert.Equal(2, counters.MemberReports);
        Assert.Equal(1, membership.Members);
        Assert.False(membership.HasReportedMembers(Second));
    }

    [Fact]
    public void HandleReport_ManyRefreshes_TheTimerStillFollowsTheLatest()
    {
        var (membership, timers, _) = Create();
        var now = TimeSpan.Zero;
        for (ulong i = 1; i <= 500; i++)
        {
            now += Ms;
            membership.HandleReport(now, Decode(MemberReport("member-a", i, [Group])));
            membership.HandleReport(now, Decode(MemberReport("member-b", i, [Second])));
        }

        Assert.Equal(now + Hold, timers.Get(GatewayTimer.MemberExpiry));
        Assert.False(membership.HandleTimeout(now + Hold - Ms));
        Assert.True(membership.HandleTimeout(now + Hold));
        Assert.Equal(0, membership.Members);
    }

    [Fact]
    public void HasReportedMembers_LearningOff_EveryGroup()
    {
        var timers = new GatewayTimerTable();
        var membership = new DomainMembership(new GatewayOptions { Id = new GatewayId("gw-a"), Carry = [Group] }, timers, new GatewayCounters());

        Assert.True(membership.HasReportedMembers(Group));
        Assert.True(membership.HasReportedMembers(Second));
        Assert.Null(membership.PollTimeout());
    }

    private static (DomainMembership Membership, GatewayTimerTable Timers, GatewayCounters Counters) Create(int maxSources = 65_536)
    {
        var timers = new GatewayTimerTable();
        var counters = new GatewayCounters();
        var options = new GatewayOptions { Id = new GatewayId("gw-a"), Carry = [Group, Second], LearnMembers = true, MaxSources = maxSources };
        return (new DomainMembership(options, timers, counters), timers, counters);
    }
}
