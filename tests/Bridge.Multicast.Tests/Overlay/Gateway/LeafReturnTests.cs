using Bridge.Multicast.Naming;
using Bridge.Multicast.Overlay.Gateway;
using Bridge.Multicast.Overlay.Routing;
using static Bridge.Multicast.Tests.Overlay.Gateway.GatewayInputs;

namespace Bridge.Multicast.Tests.Overlay.Gateway;

/// <summary>
/// A leaf gateway's return to its preferred upstream, driven by hand: it asks the preferred one
/// for its groups, keeps the other asking for each group until one handover time after the
/// preferred one delivered a relay of it (or until the return time ends, for a group without
/// traffic), sends its home's frames of such a group to both, and delivers each message into its
/// home once. Failing over stays immediate.
/// </summary>
public sealed class LeafReturnTests
{
    private static readonly TimeSpan Ms = TimeSpan.FromMilliseconds(1);
    private static readonly GatewayId Home = new("home-1");
    private static readonly GatewayId Up1 = new("gw-core1");
    private static readonly GatewayId Up2 = new("gw-core2");
    private static readonly GroupName Group = GatewayWorld.Group;
    private static readonly GroupName Second = GroupName.Parse("ham:sg:outage.notice");

    /// <summary>The source id of a head-end somewhere in the overlay.</summary>
    private const ulong Far = 5;

    /// <summary>The source id of a publisher in the leaf's home.</summary>
    private const ulong Local = 9;

    [Fact]
    public void Return_PreferredUpstreamComesBack_TheOtherKeepsTheGroupUntilThePreferredDeliversIt()
    {
        var (leaf, now) = OnSecondUpstream([Group]);

        now += 10 * Ms;
        leaf.PeerUp(now, Up1, PeerKind.Upstream, 1000);
        var sent = Drain(leaf);
        Assert.Equal([Group], Assert.Single(InterestsTo(sent, Up1)));
        Assert.Empty(InterestsTo(sent, Up2)); // not told to stop
        Assert.Equal((Up1, Up2), (leaf.ActiveUpstream, leaf.ReturningFrom));
        Assert.Equal(new UpstreamChanged(Up2, Up1, KeepsPrevious: true), Assert.Single(Events(leaf)));
        Assert.Equal([Up1, Up2], leaf.ChildrenOf(Group));
        Assert.Equal([Up1, Up2], leaf.ParentsOf(Group));

        // The old upstream goes on delivering, and that confirms nothing.
        leaf.HandlePeerFrame(now, Up2, Relay(Up2, DataFrame(Far, 1)));
        leaf.HandlePeerFrame(now, Up2, Relay(Up2, DataFrame(Far, 2)));
        sent = Drain(leaf);
        Assert.Equal(2, sent.Count(t => t.Group == Group));
        Assert.DoesNotContain(sent, t => t.Peer is not null);
        Assert.Equal(Up2, leaf.ReturningFrom);

        // The preferred one delivers: the group is confirmed, and the old upstream keeps it one
        // handover time more for what is still on its way along the old path.
        var started = now;
        now += 30 * Ms;
        var confirmed = now;
        leaf.HandlePeerFrame(now, Up1, Relay(Up1, DataFrame(Far, 3)));
        sent = Drain(leaf);
        Assert.Single(sent, t => t.Group == Group);
        Assert.DoesNotContain(sent, t => t.Peer is not null);
        Assert.Empty(leaf.UnconfirmedGroups);
        Assert.Equal(Up2, leaf.ReturningFrom);
        leaf.HandlePeerFrame(now, Up2, Relay(Up2, DataFrame(Far, 4)));
        Assert.Single(Drain(leaf), t => t.Group == Group);

        var released = RunTimers(leaf, ref now, confirmed + leaf.Options.HandoverTime + Ms);
        Assert.Equal([(confirmed + leaf.Options.HandoverTime, Up2)], released.Where(r => r.Groups.Count == 0).Select(r => (r.At, r.To)));
        Assert.Equal(released.Count, released.Count(r => r.Groups.Count == 0)); // nothing else asked of either
        Assert.Null(leaf.ReturningFrom);
        Assert.Equal(new UpstreamReturnEnded(Up2, Up1, Confirmed: 1, Unconfirmed: 0, confirmed + leaf.Options.HandoverTime - started, UpstreamReturnEnd.Confirmed), Assert.Single(Events(leaf).OfType<UpstreamReturnEnded>()));
        Assert.Equal([Up1], leaf.ChildrenOf(Group));
        Assert.Equal(4, leaf.Counters.DomainDeliveries);
    }

    [Fact]
    public void Return_TwoGroups_EachIsConfirmedByARelayOfItsOwnAndLetGoOnItsOwn()
    {
        var (leaf, now) = OnSecondUpstream([Group, Second]);
        var handover = leaf.Options.HandoverTime;
        leaf.PeerUp(now, Up1, PeerKind.Upstream, 1000);
        Drain(leaf);
        Events(leaf);
        Assert.Equal([Group, Second], leaf.UnconfirmedGroups.OrderBy(g => g.WireName, StringComparer.Ordinal));

        var first = now;
        leaf.HandlePeerFrame(now, Up1, Relay(Up1, DataFrame(Far, 1, Group)));
        Assert.Equal([Second], leaf.UnconfirmedGroups);

        // A relay of the second from the old upstream, or of the first again from the preferred, confirms nothing.
        now += 100 * Ms;
        leaf.HandlePeerFrame(now, Up2, Relay(Up2, DataFrame(Far, 1, Second)));
        leaf.HandlePeerFrame(now, Up1, Relay(Up1, DataFrame(Far, 2, Group)));
        Assert.Equal([Second], leaf.UnconfirmedGroups);

        now += 100 * Ms;
        var second = now;
        leaf.HandlePeerFrame(now, Up1, Relay(Up1, DataFrame(Far, 2, Second)));
        Assert.Empty(leaf.UnconfirmedGroups);
        Assert.DoesNotContain(Drain(leaf), t => t.Peer is not null);

        // Each is let go one handover time after its confirmation.
        var asked = RunTimers(leaf, ref now, second + handover + Ms);
        Assert.Equal([(first + handover, Up2, [Second]), (second + handover, Up2, Array.Empty<GroupName>())], asked.Select(a => (a.At, a.To, a.Groups.ToArray())));
        Assert.Equal([Up1], leaf.ChildrenOf(Second));
        var ended = Assert.Single(Events(leaf).OfType<UpstreamReturnEnded>());
        Assert.Equal((2, 0, UpstreamReturnEnd.Confirmed), (ended.Confirmed, ended.Unconfirmed, ended.How));
    }

    [Fact]
    public void Return_AGroupWithoutTraffic_IsLetGoWhenTheReturnTimeEnds()
    {
        var (leaf, now) = OnSecondUpstream([Group, Second]);
        var started = now;
        var deadline = started + leaf.Options.UpstreamReturnTime;
        Assert.Equal(leaf.Options.HandoverTime + (2 * leaf.Options.HoldTime), leaf.Options.UpstreamReturnTime);
        leaf.PeerUp(now, Up1, PeerKind.Upstream, 1000);
        Drain(leaf);
        leaf.HandlePeerFrame(now, Up1, Relay(Up1, DataFrame(Far, 1, Group)));
        Drain(leaf);
        Events(leaf);

        // The confirmed group goes after one handover time; the silent one at the deadline.
        var asked = RunTimers(leaf, ref now, deadline + Ms);
        Assert.Equal([(started + leaf.Options.HandoverTime, [Second]), (deadline, Array.Empty<GroupName>())], asked.Select(a => (a.At, a.Groups.ToArray())));
        Assert.All(asked, a => Assert.Equal(Up2, a.To));
        Assert.Null(leaf.ReturningFrom);
        Assert.Equal(new UpstreamReturnEnded(Up2, Up1, Confirmed: 1, Unconfirmed: 1, deadline - started, UpstreamReturnEnd.TimedOut), Assert.Single(Events(leaf).OfType<UpstreamReturnEnded>()));
        Assert.NotEqual(deadline, leaf.PollTimeout());
    }

    [Fact]
    public void Failover_PreferredUpstreamDown_TheOtherGetsTheWholeInterestAtOnce()
    {
        var (leaf, now) = Designated(LeafOptions([Group]));
        leaf.PeerUp(now, Up1, PeerKind.Upstream, 1000);
        leaf.PeerUp(now, Up2, PeerKind.Upstream, 1000);
        Assert.Empty(InterestsTo(Drain(leaf), Up2));
        Events(leaf);

        leaf.PeerDown(now, Up1);
        var sent = Drain(leaf);
        Assert.Equal([Group], Assert.Single(InterestsTo(sent, Up2)));
        Assert.Equal((Up2, (GatewayId?)null), (leaf.ActiveUpstream, leaf.ReturningFrom));
        Assert.Equal(new UpstreamChanged(Up1, Up2, KeepsPrevious: false), Assert.Single(Events(leaf)));

        leaf.HandleNativeDatagram(now, DataFrame(Local, 1));
        sent = Drain(leaf);
        Assert.Equal((0, 1), (RelaysTo(sent, Up1), RelaysTo(sent, Up2)));
    }

    [Fact]
    public void Return_TheSameMessagesFromBothUpstreams_EachIsDeliveredIntoTheHomeOnce()
    {
        var (leaf, now) = OnSecondUpstream([Group]);
        leaf.PeerUp(now, Up1, PeerKind.Upstream, 1000);
        Drain(leaf);

        // While the group is unconfirmed, what the home publishes goes to both upstreams.
        leaf.HandleNativeDatagram(now, DataFrame(Local, 1));
        var sent = Drain(leaf);
        Assert.Equal((1, 1), (RelaysTo(sent, Up1), RelaysTo(sent, Up2)));

        var delivered = new List<ulong>();
        void Give(GatewayId from, ulong source, ulong sequence)
        {
            leaf.HandlePeerFrame(now, from, Relay(from, DataFrame(source, sequence)));
            delivered.AddRange(Drain(leaf).Where(t => t.Group == Group).Select(t => Decode(t.Frame).Sequence));
        }

        Give(Up2, Far, 1);
        Give(Up1, Far, 1); // a copy, but it confirms the group
        Assert.Empty(leaf.UnconfirmedGroups);
        Give(Up1, Far, 2);
        Give(Up2, Far, 2); // still on its way from the old upstream
        Give(Up2, Far, 3);
        Give(Up1, Far, 3);
        Give(Up1, Local, 1); // the home's own message, back through the other upstream's tree
        Give(Up2, Local, 1);

        Assert.Equal([1UL, 2, 3], delivered);
        Assert.Equal((3, 5), (leaf.Counters.DomainDeliveries, leaf.Counters.RelayDuplicates));

        // Let go by the other upstream: the home's messages go to the preferred one only.
        RunTimers(leaf, ref now, now + leaf.Options.HandoverTime + Ms);
        Assert.Null(leaf.ReturningFrom);
        leaf.HandleNativeDatagram(now, DataFrame(Local, 2));
        sent = Drain(leaf);
        Assert.Equal((1, 0), (RelaysTo(sent, Up1), RelaysTo(sent, Up2)));
    }

    [Fact]
    public void Return_PreferredUpstreamFlaps_EveryMessageIsDeliveredOnceAndTheOtherAlwaysCarriesTheGroup()
    {
        var (leaf, now) = OnSecondUpstream([Group]);
        ulong sequence = 0;
        var delivered = new List<ulong>();
        void Stream(params GatewayId[] from)
        {
            sequence++;
            foreach (var upstream in from)
            {
                leaf.HandlePeerFrame(now, upstream, Relay(upstream, DataFrame(Far, sequence)));
            }

            delivered.AddRange(Drain(leaf).Where(t => t.Group == Group).Select(t => Decode(t.Frame).Sequence));
        }

        for (var flap = 0; flap < 4; flap++)
        {
            now += 100 * Ms;
            leaf.PeerUp(now, Up1, PeerKind.Upstream, 1000);
            Assert.Equal([Group], Assert.Single(InterestsTo(Drain(leaf), Up1)));
            Assert.Equal(new UpstreamChanged(Up2, Up1, KeepsPrevious: true), Assert.Single(Events(leaf)));
            Stream(Up2);
            Stream(Up2);

            // It fails before delivering anything: back to the other upstream at once, which is
            // asked for the whole interest again.
            now += 20 * Ms;
            leaf.PeerDown(now, Up1);
            Assert.Equal([Group], Assert.Single(InterestsTo(Drain(leaf), Up2)));
            Assert.Equal((Up2, (GatewayId?)null), (leaf.ActiveUpstream, leaf.ReturningFrom));
            var events = Events(leaf);
            Assert.Equal(new UpstreamReturnEnded(Up2, Up1, Confirmed: 0, Unconfirmed: 1, 20 * Ms, UpstreamReturnEnd.PreferredDown), events[0]);
            Assert.Equal(new UpstreamChanged(Up1, Up2, KeepsPrevious: false), events[1]);
            Stream(Up2);
        }

        // Back for good, and the other upstream fails during the return: nothing is left to release.
        now += 100 * Ms;
        leaf.PeerUp(now, Up1, PeerKind.Upstream, 1000);
        Drain(leaf);
        Stream(Up2, Up1);
        Assert.Empty(leaf.UnconfirmedGroups);
        RunTimers(leaf, ref now, now + leaf.Options.HandoverTime + Ms);
        Assert.Null(leaf.ReturningFrom);
        leaf.PeerUp(now, Up2, PeerKind.Upstream, 1000);
        Assert.Empty(Drain(leaf)); // the less preferred upstream coming back changes nothing
        Stream(Up1);

        now += 100 * Ms;
        leaf.PeerDown(now, Up1);
        leaf.PeerUp(now, Up1, PeerKind.Upstream, 1000);
        Drain(leaf);
        Events(leaf);
        Stream(Up2);
        leaf.PeerDown(now, Up2);
        Assert.DoesNotContain(Drain(leaf), t => t.Peer == Up2);
        Assert.Equal(UpstreamReturnEnd.PreviousDown, Assert.Single(Events(leaf).OfType<UpstreamReturnEnded>()).How);
        Assert.Equal((Up1, (GatewayId?)null), (leaf.ActiveUpstream, leaf.ReturningFrom));
        Stream(Up1);

        Assert.Equal(Enumerable.Range(1, (int)sequence).Select(k => (ulong)k), delivered);
    }

    [Fact]
    public void Return_InterestChangesMeanwhile_GoToBothUpstreams()
    {
        var (leaf, now) = Designated(LeafOptions([Group, Second]) with { LearnMembers = true });
        leaf.HandleNativeDatagram(now, MemberReport("member-a", 1, [Group]));
        leaf.PeerUp(now, Up2, PeerKind.Upstream, 1000);
        leaf.PeerUp(now, Up1, PeerKind.Upstream, 1000);
        Drain(leaf);
        Assert.Equal([Group], leaf.UnconfirmedGroups);

        // A receiver joins the second group: both upstreams are asked for it.
        leaf.HandleNativeDatagram(now, MemberReport("member-a", 2, [Group, Second]));
        var sent = Drain(leaf);
        Assert.Equal([Group, Second], Assert.Single(InterestsTo(sent, Up1)));
        Assert.Equal([Group, Second], Assert.Single(InterestsTo(sent, Up2)));

        var confirmed = now;
        leaf.HandlePeerFrame(now, Up1, Relay(Up1, DataFrame(Far, 1, Group)));
        Assert.Equal([Second], leaf.UnconfirmedGroups);

        // It leaves the second group again: that is not waited for; the first goes when its time is over.
        leaf.HandleNativeDatagram(now, MemberReport("member-a", 3, [Group]));
        sent = Drain(leaf);
        Assert.Equal([Group], Assert.Single(InterestsTo(sent, Up1)));
        Assert.Equal([Group], Assert.Single(InterestsTo(sent, Up2)));
        Assert.Equal([(confirmed + leaf.Options.HandoverTime, Up2, 0)], RunTimers(leaf, ref now, confirmed + leaf.Options.HandoverTime + Ms).Select(a => (a.At, a.To, a.Groups.Count)));
        var ended = Assert.Single(Events(leaf).OfType<UpstreamReturnEnded>());
        Assert.Equal((1, 0, UpstreamReturnEnd.Confirmed), (ended.Confirmed, ended.Unconfirmed, ended.How));
    }

    /// <summary>Fires the leaf's timers up to <paramref name="until"/>; returns the interests it sent meanwhile, with when and to whom.</summary>
    private static List<(TimeSpan At, GatewayId To, IReadOnlyList<GroupName> Groups)> RunTimers(OverlayGateway leaf, ref TimeSpan now, TimeSpan until)
    {
        var asked = new List<(TimeSpan, GatewayId, IReadOnlyList<GroupName>)>();
        while (leaf.PollTimeout() is { } due && due <= until)
        {
            now = due;
            leaf.HandleTimeout(due);
            var sent = Drain(leaf);
            foreach (var upstream in new[] { Up1, Up2 })
            {
                asked.AddRange(InterestsTo(sent, upstream).Select(groups => (due, upstream, groups)));
            }
        }

        now = until;
        return asked;
    }

    private static GatewayOptions LeafOptions(IReadOnlyList<GroupName> carry)
        => new() { Id = Home, Role = GatewayRole.Leaf, Upstreams = [Up1, Up2], Carry = carry };

    /// <summary>A leaf designated in its home that has failed over to its second upstream: the first is down.</summary>
    private static (OverlayGateway Leaf, TimeSpan Now) OnSecondUpstream(IReadOnlyList<GroupName> carry)
    {
        var (leaf, now) = Designated(LeafOptions(carry));
        leaf.PeerUp(now, Up1, PeerKind.Upstream, 1000);
        leaf.PeerUp(now, Up2, PeerKind.Upstream, 1000);
        leaf.PeerDown(now, Up1);
        Assert.Equal([.. carry.OrderBy(g => g.WireName, StringComparer.Ordinal)], InterestsTo(Drain(leaf), Up2).Last());
        Assert.Equal(Up2, leaf.ActiveUpstream);
        Events(leaf);
        return (leaf, now);
    }
}
