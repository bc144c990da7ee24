using System.Text;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Overlay.Control;
using Bridge.Multicast.Overlay.Gateway;
using Bridge.Multicast.Overlay.Routing;
using Bridge.Multicast.Wire;

namespace Bridge.Multicast.Tests.Overlay.Gateway;

/// <summary>
/// The composed gateway's one timeout: the earliest deadline of its sub-machines, read from the
/// shared table, and no longer a deadline a sub-machine has cancelled.
/// </summary>
public sealed class OverlayGatewayTimerTests
{
    private static readonly TimeSpan Ms = TimeSpan.FromMilliseconds(1);
    private static readonly GroupName Group = GatewayWorld.Group;

    /// <summary>A leaf that learns members: no link-state, whose origination a change of interest would schedule.</summary>
    private static readonly GatewayOptions Learner = new()
    {
        Id = new GatewayId("home-1"),
        Role = GatewayRole.Leaf,
        Upstreams = [new GatewayId("gw-core1")],
        Carry = [Group],
        LearnMembers = true,
        StartupWait = TimeSpan.Zero,
    };

    [Fact]
    public void PollTimeout_NewTransitGateway_TheEarliestOfElectionFloodingAndSweep()
    {
        var now = 7 * Ms;
        var gateway = new OverlayGateway(new GatewayOptions { Id = new GatewayId("gw-a"), Carry = [Group] }, now);

        var expected = new[] { gateway.Election.PollTimeout()!.Value, gateway.Flooding!.PollTimeout()!.Value, now + gateway.Options.SourceIdleTime }.Min();
        Assert.Equal(expected, gateway.PollTimeout());
    }

    [Fact]
    public void PollTimeout_ShortMemberReport_IsItsExpiryUntilTheMemberLeaves()
    {
        var now = TimeSpan.Zero;
        var gateway = new OverlayGateway(Learner, now);
        var others = gateway.PollTimeout()!.Value;
        Assert.True(others > 30 * Ms, $"the test needs every other timer after 30 ms, not {others}");

        gateway.HandleNativeDatagram(now, Report("member-a", 1, hold: 30 * Ms, [Group]));
        Assert.Equal(30 * Ms, gateway.PollTimeout());
        Assert.Equal([Group], gateway.Interest);

        // The member leaves: its expiry is cancelled and the next timeout is the others' again.
        gateway.HandleNativeDatagram(now + Ms, Report("member-a", 2, hold: 30 * Ms, []));
        Assert.Equal(others, gateway.PollTimeout());
        Assert.Empty(gateway.Interest);
    }

    [Fact]
    public void HandleTimeout_AtTheReportsExpiry_OnlyTheReportExpires()
    {
        var gateway = new OverlayGateway(Learner, TimeSpan.Zero);
        var others = gateway.PollTimeout()!.Value;
        gateway.HandleNativeDatagram(TimeSpan.Zero, Report("member-a", 1, hold: 30 * Ms, [Group]));
        var hellosBefore = gateway.Election.Counters.HellosSent;

        gateway.HandleTimeout(30 * Ms);

        Assert.Empty(gateway.Interest);
        Assert.Equal(others, gateway.PollTimeout());
        Assert.Equal(hellosBefore, gateway.Election.Counters.HellosSent); // the election's timer was not due
    }

    /// <summary>A member report held for <paramref name="hold"/> (its interval a third of that).</summary>
    private static byte[] Report(string member, ulong sequence, TimeSpan hold, IReadOnlyList<GroupName> groups)
    {
        var frame = new GridCastFrame
        {
            Type = FrameType.Membership,
            Group = Encoding.UTF8.GetBytes(GatewayOptions.DefaultMembersGroup.WireName),
            SourceId = GatewayInputs.MemberSource(member),
            Sequence = sequence,
            Payload = MemberReportCodec.Encode(new MemberReportPayload(hold / 3, hold, groups)),
        };
        var bytes = new byte[FrameCodec.GetEncodedSize(frame)];
        FrameCodec.Encode(frame, bytes, bytes.Length);
        return bytes;
    }
}
