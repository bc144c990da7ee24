using System.Text;
using Bridge.Multicast.Overlay.Election;
using Bridge.Multicast.Overlay.Gateway;
using Bridge.Multicast.Overlay.Routing;
using Bridge.Multicast.Tests.Overlay.Routing;
using Bridge.Multicast.Wire;
using Bridge.Simulation;
using static Bridge.Multicast.Tests.Overlay.Gateway.GatewayInputs;
using Bridge.Simulation.Nodes;

namespace Bridge.Multicast.Tests.Overlay.Gateway;

/// <summary>
/// <see cref="OverlayGateway"/> alone (inputs given by hand) and with a handful of gateways on the
/// simulator: only the designated gateway takes a domain's frames in, relayed frames never go out
/// again, duplicates are dropped and counted, leaves are served by (and fail over between) their
/// upstreams, malformed input is counted and reported but never thrown, and the RFC 7046 answers
/// agree with the shortest-path trees.
/// </summary>
public sealed class OverlayGatewayTests
{
    private static readonly TimeSpan Ms = TimeSpan.FromMilliseconds(1);
    private static readonly GatewayId Peer = new("gw-peer");
    private static readonly GatewayId Home = new("home-1");
    private static readonly GatewayId Stranger = new("gw-stranger");

    [Fact]
    public void LearnMembers_InterestFollowsTheDomainsMemberReports()
    {
        var now = TimeSpan.Zero;
        var gateway = new OverlayGateway(
            new GatewayOptions { Id = new GatewayId("gw-learner"), Carry = [GatewayWorld.Group], LearnMembers = true, StartupWait = TimeSpan.Zero },
            now);
        Assert.Contains(GatewayOptions.DefaultMembersGroup, gateway.NativeGroups);
        Assert.True(gateway.IsDesignated(GatewayWorld.Group));
        Assert.Empty(gateway.Interest); // designated, but nobody in the domain has joined

        // A receiver reports the group: the gateway wants it.
        gateway.HandleNativeDatagram(now, MemberReport("member-a", 1, [GatewayWorld.Group]));
        Assert.Equal([GatewayWorld.Group], gateway.Interest);
        Assert.Equal([GatewayWorld.Group], gateway.ReportedGroups);

        // A second receiver, then the first withdraws with an empty report: still wanted.
        gateway.HandleNativeDatagram(now, MemberReport("member-b", 1, [GatewayWorld.Group]));
        gateway.HandleNativeDatagram(now, MemberReport("member-a", 2, []));
        Assert.Equal([GatewayWorld.Group], gateway.Interest);

        // The second falls silent: its report expires after its hold time (3.5 s here).
        while (gateway.PollTimeout() is { } due && due <= TimeSpan.FromSeconds(4))
        {
            now = due;
            gateway.HandleTimeout(now);
        }

        Assert.Empty(gateway.Interest);
        Assert.Equal(3, gateway.Counters.MemberReports);

        // A damaged report is counted and reported, and changes nothing.
        var damaged = MemberReport("member-c", 1, [GatewayWorld.Group]);
        damaged[^3] ^= 0xFF;
        gateway.HandleNativeDatagram(now, damaged);
        Assert.Empty(gateway.Interest);
        Assert.Equal(1, gateway.Counters.NativeMalformed);
    }

    [Fact]
    public void HandleNativeDatagram_RelayedFlag_NeverTakenOutAgain()
    {
        var (leaf, now) = Designated(new GatewayOptions { Id = new("home-9"), Role = GatewayRole.Leaf, Upstreams = [Peer], Carry = [GatewayWorld.Group] });
        leaf.PeerUp(now, Peer, PeerKind.Upstream, 1000);
        Drain(leaf);

        leaf.HandleNativeDatagram(now, RelayCodec.MarkRelayed(DataFrame(7, 1)));
        Assert.Empty(Drain(leaf));
        Assert.Equal(1, leaf.Counters.NativeRelayedIgnored);

        leaf.HandleNativeDatagram(now, DataFrame(7, 1));
        var sent = Assert.Single(Drain(leaf));
        Assert.Equal(Peer, sent.Peer);
        Assert.Equal((byte)FrameType.Relay, sent.Frame.Span[3]);
        Assert.Equal(1, leaf.Counters.NativeIngress);
        Assert.Equal(0, leaf.Counters.NativeRelayedIgnored - 1);
    }

    [Fact]
    public void HandleNativeDatagram_SameFrameTwice_TakenInOnceAndCounted()
    {
        var (leaf, now) = Designated(new GatewayOptions { Id = new("home-9"), Role = GatewayRole.Leaf, Upstreams = [Peer], Carry = [GatewayWorld.Group] });
        leaf.PeerUp(now, Peer, PeerKind.Upstream, 1000);
        Drain(leaf);

        leaf.HandleNativeDatagram(now, DataFrame(7, 1));
        leaf.HandleNativeDatagram(now, DataFrame(7, 1));
        leaf.HandleNativeDatagram(now, DataFrame(7, 2));

        Assert.Equal(2, Drain(leaf).Count);
        Assert.Equal(2, leaf.Counters.NativeIngress);
        Assert.Equal(1, leaf.Counters.NativeDuplicates);
    }

    [Fact]
    public void HandlePeerFrame_SameRelayTwice_DeliveredIntoTheDomainOnceWithTheRelayedFlag()
    {
        var (gateway, now) = Designated(new GatewayOptions { Id = new("gw-a"), Carry = [GatewayWorld.Group] });
        gateway.PeerUp(now, Peer, PeerKind.Gateway, 1000);
        Drain(gateway);
        var inner = DataFrame(9, 5);
        var relay = Decode(RelayCodec.Encode(Peer, DecodeData(inner), inner));

        gateway.HandlePeerFrame(now, Peer, relay);
        gateway.HandlePeerFrame(now, Peer, relay);

        var delivered = Assert.Single(Drain(gateway), t => t.Peer is null && t.Group == GatewayWorld.Group);
        Assert.Equal(RelayCodec.MarkRelayed(inner), delivered.Frame.ToArray());
        Assert.Equal((1, 1, 1), (gateway.Counters.RelaysReceived, gateway.Counters.RelayDuplicates, gateway.Counters.DomainDeliveries));
    }

    public static TheoryData<string> MalformedInputs => new()
    {
        "garbage datagram from the domain",
        "garbage election hello",
        "bad relay",
        "LinkState from a leaf",
        "Data frame from a peer",
        "frame from an unknown peer",
    };

    [Theory]
    [MemberData(nameof(MalformedInputs))]
    public void Handle_MalformedInput_CountedAndReportedNeverThrown(string input)
    {
        var (gateway, now) = Designated(new GatewayOptions { Id = new("gw-a"), Carry = [GatewayWorld.Group] });
        gateway.PeerUp(now, Peer, PeerKind.Gateway, 1000);
        gateway.PeerUp(now, Home, PeerKind.Leaf, 1000);
        Drain(gateway);
        var before = Snapshot(gateway.Counters);

        var (counter, from, reason, cause) = input switch
        {
            "garbage datagram from the domain" => Do(() => gateway.HandleNativeDatagram(now, "garbage, not a frame, long enough to hold a header......"u8.ToArray()), nameof(GatewayCounters.NativeMalformed), null, GatewayRejection.MalformedDatagram, FrameError.BadMagic),
            "garbage election hello" => Do(() => gateway.HandleNativeDatagram(now, Frame(FrameType.Membership, Encoding.UTF8.GetBytes(GatewayOptions.DefaultControlGroup.WireName), [1, 2, 3])), nameof(GatewayCounters.NativeMalformed), null, GatewayRejection.MalformedHello, HelloError.Truncated),
            "bad relay" => Do(() => gateway.HandlePeerFrame(now, Peer, Decode(Frame(FrameType.Relay, GroupWire, [0]))), nameof(GatewayCounters.PeerRejected), Peer, GatewayRejection.MalformedRelay, RelayError.BadIngressLength),
            "LinkState from a leaf" => Do(() => gateway.HandlePeerFrame(now, Home, Decode(Frame(FrameType.LinkState, OverlayGateway.LinkGroup.ToArray(), [1]))), nameof(GatewayCounters.PeerRejected), Home, GatewayRejection.UnexpectedFrame, FrameType.LinkState),
            "Data frame from a peer" => Do(() => gateway.HandlePeerFrame(now, Peer, Decode(DataFrame(1, 1))), nameof(GatewayCounters.PeerRejected), Peer, GatewayRejection.UnexpectedFrame, FrameType.Data),
            "frame from an unknown peer" => Do(() => gateway.HandlePeerFrame(now, Stranger, Decode(DataFrame(1, 1))), nameof(GatewayCounters.UnknownPeer), Stranger, GatewayRejection.UnknownPeer, FrameType.Data),
            _ => throw new ArgumentOutOfRangeException(nameof(input), input, "no such case"),
        };

        var after = Snapshot(gateway.Counters);
        Assert.Equal(before[counter] + 1, after[counter]);
        Assert.Equal(before.Values.Sum() + 1, after.Values.Sum()); // nothing else counted
        Assert.Equal(counter, GatewayRejections.SummaryOf(reason));
        Assert.Equal(1, gateway.Counters.Rejected(reason));
        Assert.Equal(1, GatewayRejections.All.Sum(gateway.Counters.Rejected));
        var rejected = Assert.Single(Events(gateway).OfType<InputRejected>());
        Assert.Equal(from, rejected.From);
        Assert.Equal(reason, rejected.Reason);
        Assert.Equal(cause, rejected.Cause);
        Assert.DoesNotContain(Drain(gateway), t => t.Peer is not null);
    }

    [Fact]
    public void Handle_RandomDamageToValidFrames_NeverThrowsAndEveryRefusalIsReported()
    {
        var (gateway, now) = Designated(new GatewayOptions { Id = new("gw-a"), Carry = [GatewayWorld.Group] });
        gateway.PeerUp(now, Peer, PeerKind.Gateway, 1000);
        gateway.PeerUp(now, Home, PeerKind.Leaf, 1000);
        Drain(gateway);
        var random = new Random(20261124);
        var inner = DataFrame(3, 3);
        byte[][] valid = [inner, RelayCodec.Encode(Peer, DecodeData(inner), inner), Frame(FrameType.LinkState, OverlayGateway.LinkGroup.ToArray(), new byte[40])];
        var rejected = 0;
        for (var i = 0; i < 5000; i++)
        {
            var bytes = valid[random.Next(valid.Length)].ToArray();
            for (var flips = random.Next(1, 4); flips > 0; flips--)
            {
                bytes[random.Next(FrameCodec.HeaderSize, bytes.Length)] ^= (byte)(1 << random.Next(8));
            }

            now += Ms;
            gateway.HandleNativeDatagram(now, bytes);
            if (FrameCodec.TryDecodeDatagram(bytes, out var frame, out _))
            {
                gateway.HandlePeerFrame(now, random.Next(2) == 0 ? Peer : Home, frame);
            }

            Drain(gateway);
            rejected += Events(gateway).OfType<InputRejected>().Count(e => Enum.IsDefined(e.Reason));
        }

        Assert.True(rejected > 1000, $"{rejected} refusals reported");
        Assert.True(gateway.Counters.PeerRejected > 0 && gateway.Counters.NativeMalformed > 0);
        Assert.Equal(gateway.Counters.PeerRejected + gateway.Counters.NativeMalformed + gateway.Counters.UnknownPeer, GatewayRejections.All.Sum(gateway.Counters.Rejected));
    }

    [Fact]
    public void DomainFrame_TwoGatewaysPerDomain_OnlyTheDesignatedTakesItInAndOnlyOneDelivers()
    {
        Simulator.Run(SimulationSeed.Seeds(5, first: 3000), sim =>
        {
            var world = new GatewayWorld(sim);
            var (d0, d1, d2) = (world.AddDomain(member: true), world.AddDomain(member: true), world.AddDomain(member: false));
            int[] g = [world.AddGateway(d0), world.AddGateway(d0), world.AddGateway(d1), world.AddGateway(d1), world.AddGateway(d2)];
            foreach (var (a, b) in new[] { (0, 4), (1, 4), (2, 4), (3, 4), (0, 2) })
            {
                world.Link(g[a], g[b], 5 * Ms);
            }

            world.DriveUntil(() => world.Settled(g, 5), TimeSpan.FromSeconds(5), "settling");
            var (source, sourceNode) = world.AddSource(d0);
            var ingress = world.Gateways[world.DesignatedOf(d0)!.Value];
            var standby = world.Gateways[world.Domains[d0].Gateways.Single(x => x != ingress.Index)];
            var receiver = world.Gateways[world.DesignatedOf(d1)!.Value];
            var quiet = world.Gateways[world.Domains[d1].Gateways.Single(x => x != receiver.Index)];
            var tree = new ShortestPathTrees(ingress.Gateway.Flooding!.Database).GetTree(ingress.Id, GatewayWorld.Group);

            for (ulong k = 1; k <= 10; k++)
            {
                world.Publish(source, sourceNode, k);
            }

            sim.DriveFor(TimeSpan.FromSeconds(1));

            Assert.Equal((10, 0), (ingress.Gateway.Counters.NativeIngress, ingress.Gateway.Counters.NativeStandby));
            Assert.Equal((0, 10), (standby.Gateway.Counters.NativeIngress, standby.Gateway.Counters.NativeStandby));
            Assert.Equal((10, 0), (receiver.Gateway.Counters.DomainDeliveries, quiet.Gateway.Counters.DomainDeliveries));
            Assert.Equal(10, quiet.Gateway.Counters.NativeRelayedIgnored); // the designated one's deliveries, heard and left alone
            Assert.Equal(0, quiet.Gateway.Counters.NativeIngress);
            Assert.Equal(10L * tree.EdgeCount, world.RelayCopies());
            for (ulong k = 1; k <= 10; k++)
            {
                Assert.Equal((1, 1, 0), (world.Domains[d0].Host.TimesReceived(source.SourceId, k), world.Domains[d1].Host.TimesReceived(source.SourceId, k), world.Domains[d2].Host.TimesReceived(source.SourceId, k)));
            }
        });
    }

    [Fact]
    public void Handover_PreferredGatewayJoinsMidStream_TheDomainMissesNoMessage()
    {
        Simulator.Run(SimulationSeed.Seeds(8, first: 3500), sim =>
        {
            var world = new GatewayWorld(sim);
            var (d0, d1, d2) = (world.AddDomain(member: true), world.AddDomain(member: true), world.AddDomain(member: false));
            int[] g = [world.AddGateway(d0), world.AddGateway(d1), world.AddGateway(d2)];
            world.Link(g[0], g[2], 5 * Ms);
            world.Link(g[1], g[2], 5 * Ms);
            world.DriveUntil(() => world.Settled(g, 3), TimeSpan.FromSeconds(5), "settling");
            var (source, sourceNode) = world.AddSource(d0);
            const ulong Messages = 150;
            for (ulong k = 1; k <= Messages; k++)
            {
                var at = sim.Now + TimeSpan.FromMilliseconds(10 * (double)k);
                var sequence = k;
                sim.Schedule(at, "publish", () => world.Publish(source, sourceNode, sequence));
            }

            // A gateway that wins the election joins domain 1 during the stream: the incumbent
            // stands down, and keeps covering the group (holding each copy briefly, and dropping
            // those the newcomer delivered meanwhile) until the newcomer's advertisement has spread.
            sim.DriveFor(TimeSpan.FromMilliseconds(300));
            var incumbent = world.Gateways[g[1]];
            var newcomer = world.AddGateway(d1, "gw-newcomer", priority: 200);
            world.Link(newcomer, g[2], 5 * Ms);
            sim.DriveFor(TimeSpan.FromSeconds(2));

            Assert.True(world.Gateways[newcomer].Gateway.IsDesignated(GatewayWorld.Group));
            Assert.False(incumbent.Gateway.IsDesignated(GatewayWorld.Group));
            Assert.True(world.Gateways[newcomer].Gateway.Counters.DomainDeliveries > 0, "the newcomer delivers after the handover");
            var missed = Enumerable.Range(1, (int)Messages).Where(k => world.Domains[d1].Host.TimesReceived(source.SourceId, (ulong)k) == 0).ToList();
            Assert.True(missed.Count == 0, $"seed {sim.Seed}: domain 1 missed {string.Join(", ", missed)}");
            var twice = Enumerable.Range(1, (int)Messages).Where(k => world.Domains[d1].Host.TimesReceived(source.SourceId, (ulong)k) > 1).ToList();
            Assert.True(twice.Count == 0, $"seed {sim.Seed}: domain 1 got {string.Join(", ", twice)} twice");
            Assert.True(incumbent.Gateway.Counters.DomainDuplicates > 0, "the incumbent held copies the newcomer had delivered");
        });
    }

    [Fact]
    public void Leaf_AttachedToTwoUpstreams_GetsItsGroupsSendsViaItsUpstreamAndFailsOver()
    {
        Simulator.Run(SimulationSeed.Seeds(5, first: 4000), sim =>
        {
            var world = new GatewayWorld(sim);
            var (dr, d1, d2, dl) = (world.AddDomain(member: true), world.AddDomain(member: false), world.AddDomain(member: false), world.AddDomain(member: true));
            var remote = world.AddGateway(dr, "gw-remote");
            var first = world.AddGateway(d1, "gw-up1");
            var second = world.AddGateway(d2, "gw-up2");
            var leaf = world.AddGateway(dl, "home-1", GatewayRole.Leaf, [first, second]);
            world.Link(remote, first, 5 * Ms);
            world.Link(remote, second, 5 * Ms);
            world.Link(first, second, 5 * Ms);
            world.Link(leaf, first, 5 * Ms);
            world.Link(leaf, second, 5 * Ms);
            int[] all = [remote, first, second, leaf];
            world.DriveUntil(() => world.Settled(all, 3) && world.Gateways[first].Gateway.Flooding!.Database.InterestedIn(GatewayWorld.Group).Count == 2, TimeSpan.FromSeconds(5), "settling");
            var (g, up1, up2, remoteGateway) = (world.Gateways[leaf].Gateway, world.Gateways[first], world.Gateways[second], world.Gateways[remote].Gateway);

            Assert.Equal([GatewayWorld.Group], g.Interest);
            Assert.Equal(up1.Id, g.ActiveUpstream);
            Assert.Equal([up1.Id], g.ChildrenOf(GatewayWorld.Group));
            Assert.Equal([up1.Id], g.ParentsOf(GatewayWorld.Group));
            Assert.Contains(GatewayWorld.Group, up1.Gateway.Interest);
            Assert.DoesNotContain(GatewayWorld.Group, up2.Gateway.Interest);
            Assert.Equal([world.Gateways[remote].Id, up1.Id], up1.Gateway.Flooding!.Database.InterestedIn(GatewayWorld.Group).Order());
            Assert.Contains(world.Gateways[leaf].Id, up1.Gateway.ChildrenOf(GatewayWorld.Group));

            // Down: from the remote domain to the leaf's; up: from the leaf's domain, entering at the upstream.
            var (far, farNode) = world.AddSource(dr);
            var (home, homeNode) = world.AddSource(dl);
            for (ulong k = 1; k <= 5; k++)
            {
                world.Publish(far, farNode, k);
                world.Publish(home, homeNode, k);
            }

            sim.DriveFor(TimeSpan.FromSeconds(1));
            AssertOnce(world.Domains[dl].Host, far, 1, 5);
            AssertOnce(world.Domains[dr].Host, home, 1, 5);
            Assert.Equal(5, up1.Gateway.Counters.RelaysReceived - 5); // 5 from the leaf, 5 from the remote gateway
            Assert.Equal([up1.Id], remoteGateway.ParentsOf(GatewayWorld.Group)); // the leaf's frames entered at gw-up1
            Assert.Equal(0, up2.Gateway.Counters.RelaysReceived);

            // The preferred upstream's link fails: the leaf moves to the second, which now advertises the group.
            sim.Cut(world.Gateways[leaf].NodeId, up1.NodeId);
            world.Down(leaf, first);
            Assert.Equal(up2.Id, g.ActiveUpstream);
            world.DriveUntil(
                () => world.Settled(all, 3) && up1.Gateway.Flooding!.Database.InterestedIn(GatewayWorld.Group).SequenceEqual([world.Gateways[remote].Id, up2.Id]),
                TimeSpan.FromSeconds(5),
                "settling after the failover");
            for (ulong k = 6; k <= 10; k++)
            {
                world.Publish(far, farNode, k);
                world.Publish(home, homeNode, k);
            }

            sim.DriveFor(TimeSpan.FromSeconds(1));
            AssertOnce(world.Domains[dl].Host, far, 1, 10);
            AssertOnce(world.Domains[dr].Host, home, 1, 10);
            Assert.DoesNotContain(GatewayWorld.Group, up1.Gateway.Interest);
            Assert.Equal(0, world.Duplicates);
        });
    }

    [Fact]
    public void Rfc7046Answers_AfterConvergence_MatchTheTreesOverTheSameDatabase()
    {
        Simulator.Run(SimulationSeed.Seeds(3, first: 5000), sim =>
        {
            const int Count = 30;
            var world = new GatewayWorld(sim);
            var topology = RandomOverlay.Create(Count, sim.Random.Next());
            for (var i = 0; i < Count; i++)
            {
                world.AddGateway(world.AddDomain(member: sim.Random.Next(2) == 0), topology.Ids[i].Value);
            }

            foreach (var link in topology.Links)
            {
                world.Link(link.A, link.B, link.CostAB * Ms);
            }

            var all = Enumerable.Range(0, Count).ToList();
            world.DriveUntil(() => world.Settled(all, Count), TimeSpan.FromSeconds(10), "settling");
            var members = world.Domains.Where(d => d.Member).ToList();
            var sourceDomain = members.Count > 0 ? members[sim.Random.Next(members.Count)].Index : 0;
            var (source, sourceNode) = world.AddSource(sourceDomain);
            world.Publish(source, sourceNode, 1);
            sim.DriveFor(TimeSpan.FromSeconds(1));
            var ingress = world.Gateways[sourceDomain].Id;

            foreach (var entry in world.Gateways)
            {
                var gateway = entry.Gateway;
                var trees = new ShortestPathTrees(gateway.Flooding!.Database);
                var peers = world.Links.Where(l => l.A == entry.Index || l.B == entry.Index).Select(l => world.Gateways[l.A == entry.Index ? l.B : l.A].Id);
                Assert.Equal(peers.Order(), gateway.Neighbors.Order());
                Assert.Equal(world.Domains[entry.Domain].Member, gateway.IsDesignated(GatewayWorld.Group));
                Assert.Equal(trees.GetTree(entry.Id, GatewayWorld.Group).ChildrenOf(entry.Id).Order(), gateway.ChildrenOf(GatewayWorld.Group));
                var tree = trees.GetTree(ingress, GatewayWorld.Group);
                IReadOnlyList<GatewayId> parents = members.Any(m => m.Index == sourceDomain) && tree.TryGetParent(entry.Id, out var parent) ? [parent] : [];
                Assert.Equal(parents, gateway.ParentsOf(GatewayWorld.Group));
            }
        });
    }

    private static void AssertOnce(HostNode host, HostNode source, int first, int last)
    {
        for (var k = first; k <= last; k++)
        {
            Assert.True(host.TimesReceived(source.SourceId, (ulong)k) == 1, $"message {k} arrived {host.TimesReceived(source.SourceId, (ulong)k)} times");
        }
    }

    private static (string Counter, GatewayId? From, GatewayRejection Reason, Enum Cause) Do(Action action, string counter, GatewayId? from, GatewayRejection reason, Enum cause)
    {
        action();
        return (counter, from, reason, cause);
    }

    private static Dictionary<string, long> Snapshot(GatewayCounters counters) =>
        typeof(GatewayCounters).GetProperties().ToDictionary(p => p.Name, p => (long)p.GetValue(counters)!);

    private static GridCastFrame DecodeData(byte[] bytes) => Decode(bytes);
}
