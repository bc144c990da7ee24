using System.Text;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Overlay.Election;
using Bridge.Multicast.Overlay.Flooding;
using Bridge.Multicast.Overlay.Gateway;
using Bridge.Multicast.Overlay.Gateway.Forwarding;
using Bridge.Multicast.Overlay.Gateway.Handover;
using Bridge.Multicast.Overlay.Gateway.Membership;
using Bridge.Multicast.Overlay.Gateway.Timers;
using Bridge.Multicast.Overlay.Gateway.Upstreams;
using Bridge.Multicast.Overlay.Routing;
using Bridge.Multicast.Wire;
using static Bridge.Multicast.Tests.Overlay.Gateway.GatewayInputs;

namespace Bridge.Multicast.Tests.Overlay.Gateway.Forwarding;

/// <summary>
/// The data path on its own, with the sub-machines it reads built by hand: what enters from the
/// domain, what a peer relays, the copies held during a handover (on the
/// <see cref="GatewayTimer.HeldDelivery"/> slot) and the sweep of idle sources.
/// </summary>
public sealed class GatewayForwardingTests
{
    private static readonly TimeSpan Ms = TimeSpan.FromMilliseconds(1);
    private static readonly GatewayId Self = new("gw-a");
    private static readonly GatewayId Peer = new("gw-peer");
    private static readonly GatewayId Heir = new("gw-heir");
    private static readonly GatewayId Leaf1 = new("home-1");
    private static readonly GatewayId Leaf2 = new("home-2");
    private static readonly GatewayId Up1 = new("gw-core1");
    private static readonly GroupName Group = GatewayWorld.Group;

    [Fact]
    public void New_TreesAndUpstreamsBothOrNeither_Throws()
    {
        var options = new GatewayOptions { Id = Self, Carry = [Group] };
        var timers = new GatewayTimerTable();
        var counters = new GatewayCounters();
        var peers = new OverlayPeerTable();
        var election = new DesignatedGatewayElection(options.ElectionOptions);
        var membership = new DomainMembership(options, timers, counters);
        var handover = new DesignatedHandover(options, Carried(options), null, membership, timers);
        var flooding = new LinkStateFlooding(Self, TimeSpan.Zero);
        var upstreams = new UpstreamSelection(options, peers, new ControlFrameEncoder(1), timers);

        Assert.Throws<ArgumentException>(() => new GatewayForwarding(TimeSpan.Zero, options, Carried(options), peers, null, election, handover, null, timers, counters));
        Assert.Throws<ArgumentException>(() => new GatewayForwarding(TimeSpan.Zero, options, Carried(options), peers, new ShortestPathTrees(flooding.Database), election, handover, upstreams, timers, counters));
    }

    [Fact]
    public void HandleDomainFrame_LeafDesignated_OneRelayToTheActiveUpstream()
    {
        var rig = Rig.Leaf();
        var frame = DataFrame(7, 1);

        rig.Forwarding.HandleDomainFrame(Ms, Decode(frame), frame);

        var sent = Assert.Single(rig.Sent());
        Assert.Equal(Up1, sent.Peer);
        Assert.Equal(FrameType.Relay, Decode(sent.Frame).Type);
        Assert.Equal((1, 1), (rig.Counters.NativeIngress, rig.Counters.RelaysSent));
        Assert.Equal([Up1], rig.Forwarding.ChildrenOf(Group));
        Assert.Equal([Up1], rig.Forwarding.ParentsOf(Group));
    }

    [Fact]
    public void HandleDomainFrame_NotDesignatedOrNotCarried_CountedAndNotSent()
    {
        var rig = Rig.Transit(designated: false);
        rig.Peers.Add(Peer, PeerKind.Gateway);
        var standby = DataFrame(7, 1);
        var other = DataFrame(7, 2, GroupName.Parse("ham:sg:not.carried"));

        rig.Forwarding.HandleDomainFrame(Ms, Decode(standby), standby);
        rig.Forwarding.HandleDomainFrame(Ms, Decode(other), other);

        Assert.Empty(rig.Sent());
        Assert.Equal((1, 1, 0), (rig.Counters.NativeStandby, rig.Counters.NativeNotCarried, rig.Counters.NativeIngress));
    }

    [Fact]
    public void HandleRelay_FrameTheDomainHadFromAnotherGateway_NotDeliveredAgain()
    {
        var rig = Rig.Transit(designated: true);
        rig.Peers.Add(Peer, PeerKind.Gateway);
        var inner = DataFrame(9, 4);
        var relayed = RelayCodec.MarkRelayed(inner);

        rig.Forwarding.HandleDomainFrame(Ms, Decode(relayed), relayed);
        Assert.True(rig.Forwarding.TryReadRelay(Peer, Relay(Peer, inner), out var frame));
        rig.Forwarding.HandleRelay(2 * Ms, Peer, PeerKind.Gateway, frame);

        Assert.Empty(rig.Sent());
        Assert.Equal((1, 1, 1, 0), (rig.Counters.NativeRelayedIgnored, rig.Counters.RelaysReceived, rig.Counters.DomainDuplicates, rig.Counters.DomainDeliveries));
    }

    [Fact]
    public void HandleRelay_FromALeaf_EntersHereGoesToTheOtherLeafAndIntoTheDomain()
    {
        var rig = Rig.Transit(designated: true);
        rig.Peers.Add(Leaf1, PeerKind.Leaf);
        rig.Peers.Add(Leaf2, PeerKind.Leaf);
        rig.Peers.SetLeafInterest(Leaf1, [Group]);
        rig.Peers.SetLeafInterest(Leaf2, [Group]);
        var inner = DataFrame(9, 1);

        Assert.True(rig.Forwarding.TryReadRelay(Leaf1, Relay(Leaf1, inner), out var frame));
        rig.Forwarding.HandleRelay(Ms, Leaf1, PeerKind.Leaf, frame);

        var sent = rig.Sent();
        Assert.Equal([Leaf2], sent.Where(t => t.Peer is not null).Select(t => t.Peer!.Value));
        Assert.Equal(RelayCodec.MarkRelayed(inner), Assert.Single(sent, t => t.Group == Group).Frame.ToArray());
        Assert.Equal(Self, Ingress(sent.Single(t => t.Peer == Leaf2)));
    }

    [Fact]
    public void TryReadRelay_Malformed_RefusedWithTheRelayError()
    {
        var rig = Rig.Transit(designated: true);

        Assert.False(rig.Forwarding.TryReadRelay(Peer, Decode(Frame(FrameType.Relay, GroupWire, [0])), out _));

        Assert.True(rig.Forwarding.TryPollEvent(out var rejected));
        Assert.Equal(new InputRejected(Peer, GatewayRejection.MalformedRelay, RelayError.BadIngressLength), rejected);
        Assert.Equal((1, 1), (rig.Counters.Rejected(GatewayRejection.MalformedRelay), rig.Counters.PeerRejected));
    }

    [Fact]
    public void TryReadRelay_GroupThatDoesNotParse_Refused()
    {
        var rig = Rig.Transit(designated: true);
        var inner = Frame(FrameType.Data, Encoding.UTF8.GetBytes("not a group name"), [1], source: 3, sequence: 1);

        Assert.False(rig.Forwarding.TryReadRelay(Peer, Relay(Peer, inner), out _));

        Assert.True(rig.Forwarding.TryPollEvent(out var rejected));
        Assert.Equal(new InputRejected(Peer, GatewayRejection.RelayGroupInvalid), rejected);
        Assert.Equal(1, rig.Counters.Rejected(GatewayRejection.RelayGroupInvalid));
    }

    [Fact]
    public void HandleRelay_DuringAHandover_HeldHalfAHelloIntervalThenSent()
    {
        var rig = Rig.Transit(designated: false);
        rig.Peers.Add(Peer, PeerKind.Gateway);
        Assert.True(rig.Handover.HandleStoodDown(TimeSpan.Zero, Group, Heir));
        var inner = DataFrame(9, 1);
        var due = Ms + (rig.Options.HelloInterval / 2);

        Assert.True(rig.Forwarding.TryReadRelay(Peer, Relay(Peer, inner), out var frame));
        rig.Forwarding.HandleRelay(Ms, Peer, PeerKind.Gateway, frame);

        Assert.Empty(rig.Sent());
        Assert.Equal(1, rig.Forwarding.HeldCopies);
        Assert.Equal(due, rig.Timers.Get(GatewayTimer.HeldDelivery));
        Assert.Equal(due, rig.Forwarding.PollTimeout());

        rig.Forwarding.HandleTimeout(due - TimeSpan.FromTicks(1));
        Assert.Empty(rig.Sent());

        rig.Forwarding.HandleTimeout(due);
        Assert.Equal(RelayCodec.MarkRelayed(inner), Assert.Single(rig.Sent(), t => t.Group == Group).Frame.ToArray());
        Assert.Null(rig.Timers.Get(GatewayTimer.HeldDelivery));
        Assert.Equal(1, rig.Counters.DomainDeliveries);
    }

    [Fact]
    public void HandleRelay_HeldButTheSuccessorsCopyCameFirst_NotSent()
    {
        var rig = Rig.Transit(designated: false);
        rig.Peers.Add(Peer, PeerKind.Gateway);
        rig.Handover.HandleStoodDown(TimeSpan.Zero, Group, Heir);
        var inner = DataFrame(9, 1);
        Assert.True(rig.Forwarding.TryReadRelay(Peer, Relay(Peer, inner), out var frame));
        rig.Forwarding.HandleRelay(Ms, Peer, PeerKind.Gateway, frame);

        var successors = RelayCodec.MarkRelayed(inner);
        rig.Forwarding.HandleDomainFrame(2 * Ms, Decode(successors), successors);
        rig.Forwarding.HandleTimeout(rig.Timers.Get(GatewayTimer.HeldDelivery)!.Value);

        Assert.Empty(rig.Sent());
        Assert.Equal((0, 1), (rig.Counters.DomainDeliveries, rig.Counters.DomainDuplicates));
    }

    [Fact]
    public void HandleTimeout_SweepDue_IdleSourcesForgottenAndTheSweepReArmed()
    {
        var rig = Rig.Transit(designated: true);
        var idle = rig.Options.SourceIdleTime;
        var frame = DataFrame(7, 1);
        rig.Forwarding.HandleDomainFrame(Ms, Decode(frame), frame);
        Assert.Equal(idle, rig.Timers.Get(GatewayTimer.SourceSweep));

        rig.Forwarding.HandleTimeout(idle);
        Assert.Equal(1, rig.Forwarding.RememberedSources); // heard after the sweep's horizon
        Assert.Equal(2 * idle, rig.Timers.Get(GatewayTimer.SourceSweep));

        rig.Forwarding.HandleTimeout(2 * idle);
        Assert.Equal(0, rig.Forwarding.RememberedSources);
        Assert.Equal(3 * idle, rig.Forwarding.PollTimeout());
    }

    private static Dictionary<string, GroupName> Carried(GatewayOptions options) => options.Carry.ToDictionary(static g => g.WireName, StringComparer.Ordinal);

    private static GatewayId Ingress(GatewayTransmit relay)
    {
        Assert.True(RelayCodec.TryDecode(Decode(relay.Frame), out var ingress, out _, out _, out var error), error.ToString());
        return ingress;
    }

    /// <summary>A forwarding and the sub-machines it reads, for gateway gw-a carrying the test group.</summary>
    private sealed class Rig
    {
        private Rig(GatewayOptions options, bool designated, bool leaf)
        {
            Options = options;
            Election = new DesignatedGatewayElection(options.ElectionOptions with { StartupWait = designated ? TimeSpan.Zero : TimeSpan.FromMinutes(1) });
            Election.Start(TimeSpan.Zero);
            Election.Serve(Group);
            var membership = new DomainMembership(options, Timers, Counters);
            ShortestPathTrees? trees = null;
            LinkStateFlooding? flooding = null;
            if (leaf)
            {
                Upstreams = new UpstreamSelection(options, Peers, new ControlFrameEncoder(1), Timers);
            }
            else
            {
                flooding = new LinkStateFlooding(options.Id, TimeSpan.Zero);
                trees = new ShortestPathTrees(flooding.Database);
            }

            Handover = new DesignatedHandover(options, Carried(options), flooding, membership, Timers);
            Forwarding = new GatewayForwarding(TimeSpan.Zero, options, Carried(options), Peers, trees, Election, Handover, Upstreams, Timers, Counters);
        }

        public GatewayOptions Options { get; }

        public GatewayTimerTable Timers { get; } = new();

        public GatewayCounters Counters { get; } = new();

        public OverlayPeerTable Peers { get; } = new();

        public DesignatedGatewayElection Election { get; }

        public DesignatedHandover Handover { get; }

        public UpstreamSelection? Upstreams { get; }

        public GatewayForwarding Forwarding { get; }

        public static Rig Transit(bool designated) => new(new GatewayOptions { Id = Self, Carry = [Group] }, designated, leaf: false);

        /// <summary>A designated leaf whose first upstream is up.</summary>
        public static Rig Leaf()
        {
            var rig = new Rig(new GatewayOptions { Id = new("home-9"), Role = GatewayRole.Leaf, Upstreams = [Up1], Carry = [Group] }, designated: true, leaf: true);
            rig.Peers.Add(Up1, PeerKind.Upstream);
            rig.Upstreams!.HandleUpstreamUp(TimeSpan.Zero);
            while (rig.Upstreams.TryPollTransmit(out _))
            {
            }

            return rig;
        }

        public List<GatewayTransmit> Sent()
        {
            var sent = new List<GatewayTransmit>();
            while (Forwarding.TryPollTransmit(out var transmit))
            {
                sent.Add(transmit);
            }

            return sent;
        }
    }
}
