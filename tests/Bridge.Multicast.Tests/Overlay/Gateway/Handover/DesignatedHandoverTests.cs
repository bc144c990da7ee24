using System.Buffers;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Overlay.Flooding;
using Bridge.Multicast.Overlay.Gateway;
using Bridge.Multicast.Overlay.Gateway.Handover;
using Bridge.Multicast.Overlay.Gateway.Membership;
using Bridge.Multicast.Overlay.Gateway.Timers;
using Bridge.Multicast.Overlay.Routing;

namespace Bridge.Multicast.Tests.Overlay.Gateway.Handover;

/// <summary>
/// The make-before-break handover on its own: a transit gateway that stands down keeps covering
/// the group until its successor has advertised it for one handover time, or for the bound if that
/// never comes; the <see cref="GatewayTimer.HandoverEnd"/> slot follows the earliest end and is
/// stopped once nothing is covered.
/// </summary>
public sealed class DesignatedHandoverTests
{
    private static readonly TimeSpan Ms = TimeSpan.FromMilliseconds(1);
    private static readonly GatewayId Self = new("gw-a");
    private static readonly GatewayId Heir = new("gw-b");
    private static readonly GroupName Group = GatewayWorld.Group;
    private static readonly GroupName Second = GroupName.Parse("ham:sg:outage.notice");
    private static readonly GatewayOptions Options = new() { Id = Self, Carry = [Group, Second] };

    /// <summary>Twice the hold time and the handover time: how long a handover lasts when the successor never advertises the group.</summary>
    private static readonly TimeSpan Bound = (2 * Options.HoldTime) + Options.HandoverTime;

    [Fact]
    public void HandleStoodDown_SuccessorNotAdvertising_CoversUntilTheBound()
    {
        var (handover, timers, _) = Create();

        Assert.True(handover.HandleStoodDown(10 * Ms, Group, Heir));

        Assert.True(handover.Covers(Group));
        Assert.Equal(1, handover.Count);
        Assert.Equal((10 * Ms) + Bound, timers.Get(GatewayTimer.HandoverEnd));
        Assert.Equal(timers.Get(GatewayTimer.HandoverEnd), handover.PollTimeout());
        Assert.False(handover.HandleTimeout((10 * Ms) + Bound - Ms));
        Assert.True(handover.HandleTimeout((10 * Ms) + Bound));
        Assert.False(handover.Covers(Group));
        Assert.Null(timers.Get(GatewayTimer.HandoverEnd));
    }

    [Fact]
    public void HandleStoodDown_NoSuccessorOrGroupNotCarried_NothingCovered()
    {
        var (handover, timers, _) = Create();

        Assert.False(handover.HandleStoodDown(TimeSpan.Zero, Group, successor: null));
        Assert.False(handover.HandleStoodDown(TimeSpan.Zero, GroupName.Parse("ham:sg:not.carried"), Heir));

        Assert.Equal(0, handover.Count);
        Assert.Null(timers.Get(GatewayTimer.HandoverEnd));
    }

    [Fact]
    public void HandleStoodDown_LeafWithoutLinkState_NothingCovered()
    {
        var timers = new GatewayTimerTable();
        var membership = new DomainMembership(Options, timers, new GatewayCounters());
        var handover = new DesignatedHandover(Options, Carried(), flooding: null, membership, timers);

        Assert.False(handover.HandleStoodDown(TimeSpan.Zero, Group, Heir));
        Assert.False(handover.Covers(Group));
    }

    [Fact]
    public void HandleBecameDesignated_Covered_TheCoverEndsAndTheTimerStops()
    {
        var (handover, timers, _) = Create();
        handover.HandleStoodDown(TimeSpan.Zero, Group, Heir);

        Assert.True(handover.HandleBecameDesignated(Group));
        Assert.False(handover.HandleBecameDesignated(Group));

        Assert.False(handover.Covers(Group));
        Assert.Null(timers.Get(GatewayTimer.HandoverEnd));
    }

    [Fact]
    public void HandleStoodDown_TwoGroups_TheTimerFollowsTheEarliestEnd()
    {
        var (handover, timers, _) = Create();
        handover.HandleStoodDown(TimeSpan.Zero, Group, Heir);
        handover.HandleStoodDown(100 * Ms, Second, Heir);

        Assert.Equal(Bound, timers.Get(GatewayTimer.HandoverEnd));
        Assert.True(handover.HandleTimeout(Bound));
        Assert.Equal([false, true], new[] { handover.Covers(Group), handover.Covers(Second) });
        Assert.Equal((100 * Ms) + Bound, timers.Get(GatewayTimer.HandoverEnd));
    }

    [Fact]
    public void HandleAdvertisement_SuccessorAdvertisesTheGroup_EndsOneHandoverTimeLater()
    {
        var (handover, timers, flooding) = Create();
        handover.HandleStoodDown(TimeSpan.Zero, Group, Heir);
        handover.HandleStoodDown(TimeSpan.Zero, Second, Heir);

        var now = 50 * Ms;
        flooding.HandleMessage(now, Heir, Advertisement(Heir, [Group]));
        handover.HandleAdvertisement(now, Heir);

        // Only the group the successor advertises is shortened.
        Assert.Equal(now + Options.HandoverTime, timers.Get(GatewayTimer.HandoverEnd));
        Assert.True(handover.HandleTimeout(now + Options.HandoverTime));
        Assert.Equal([false, true], new[] { handover.Covers(Group), handover.Covers(Second) });
        Assert.Equal(Bound, timers.Get(GatewayTimer.HandoverEnd));
    }

    [Fact]
    public void HandleAdvertisement_AnotherOrigin_ChangesNothing()
    {
        var (handover, timers, flooding) = Create();
        handover.HandleStoodDown(TimeSpan.Zero, Group, new GatewayId("gw-c"));

        flooding.HandleMessage(50 * Ms, Heir, Advertisement(Heir, [Group]));
        handover.HandleAdvertisement(50 * Ms, Heir);

        Assert.Equal(Bound, timers.Get(GatewayTimer.HandoverEnd));
    }

    [Fact]
    public void HandleStoodDown_SuccessorAdvertisesAlready_NothingToCover()
    {
        var (handover, timers, flooding) = Create();
        flooding.HandleMessage(Ms, Heir, Advertisement(Heir, [Group]));

        Assert.False(handover.HandleStoodDown(2 * Ms, Group, Heir));
        Assert.Null(timers.Get(GatewayTimer.HandoverEnd));
    }

    private static Dictionary<string, GroupName> Carried() => Options.Carry.ToDictionary(static g => g.WireName, StringComparer.Ordinal);

    /// <summary>A handover of gw-a, whose flooding has gw-b as a neighbour (advertised at once).</summary>
    private static (DesignatedHandover Handover, GatewayTimerTable Timers, LinkStateFlooding Flooding) Create()
    {
        var timers = new GatewayTimerTable();
        var flooding = new LinkStateFlooding(Self, TimeSpan.Zero, new FloodingOptions { MinOriginationInterval = TimeSpan.Zero });
        flooding.NeighborUp(TimeSpan.Zero, Heir, 1000);
        var membership = new DomainMembership(Options, timers, new GatewayCounters());
        return (new DesignatedHandover(Options, Carried(), flooding, membership, timers), timers, flooding);
    }

    /// <summary>The flooding message in which <paramref name="origin"/> advertises a link to gw-a and <paramref name="groups"/>.</summary>
    private static byte[] Advertisement(GatewayId origin, GroupName[] groups)
    {
        var writer = new ArrayBufferWriter<byte>();
        FloodingMessageCodec.EncodeAdvertisement(new LinkStateAdvertisement(origin, 1, [new AdvertisedLink(Self, 1000)], groups), 0, writer);
        return writer.WrittenSpan.ToArray();
    }
}
