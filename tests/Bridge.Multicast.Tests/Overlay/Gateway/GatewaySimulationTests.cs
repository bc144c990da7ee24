using Bridge.Multicast.Overlay.Gateway;
using Bridge.Multicast.Overlay.Routing;
using Bridge.Multicast.Tests.Overlay.Routing;
using Bridge.Simulation;
using Xunit.Abstractions;
using Bridge.Simulation.Nodes;

namespace Bridge.Multicast.Tests.Overlay.Gateway;

/// <summary>
/// <see cref="Bridge.Multicast.Overlay.Gateway.OverlayGateway"/> at provider scale on the
/// simulator: 100 gateways on random connected overlays whose TCP-like links lose (and resend),
/// jitter and reorder, a random share of member domains, and a few domains with two gateways
/// that elect one. Over many seeds (replay one with GRIDCAST_SIM_SEED): every member domain gets
/// each message exactly once, the copies on overlay links are the tree's edges, and neither a
/// healed partition nor a failed designated gateway makes a host receive a message twice.
/// </summary>
public sealed class GatewaySimulationTests(ITestOutputHelper output)
{
    private const int GatewayCount = 100;
    private const int FailoverGatewayCount = 40;
    private const int TwoGatewayDomains = 5;
    private const int Messages = 20;

    private static readonly TimeSpan Ms = TimeSpan.FromMilliseconds(1);

    /// <summary>Generous against the second or so settling takes (printed by the tests).</summary>
    private static readonly TimeSpan SettleBound = TimeSpan.FromSeconds(10);

    [Fact]
    public void Publish_RandomLossyOverlayThenPartitionAndHeal_EachMemberDomainGetsEachMessageOnceAlongTheTree()
    {
        Simulator.Run(SimulationSeed.Seeds(4, first: 1000), sim =>
        {
            var (world, treeParent) = Build(sim, GatewayCount);
            sim.AddInvariant("no host receives a message twice", () => Assert.Equal(0, world.Duplicates));
            var all = Enumerable.Range(0, GatewayCount).ToList();
            var settled = world.DriveUntil(() => world.Settled(all, GatewayCount), SettleBound, "settling");

            var members = world.Domains.Where(d => d.Member).Select(d => d.Index).ToList();
            var sourceDomain = members[sim.Random.Next(members.Count)];
            var (source, sourceNode) = world.AddSource(sourceDomain);
            var designated = members.Select(d => world.DesignatedOf(d)!.Value).ToList();
            var database = world.Gateways[0].Gateway.Flooding!.Database;
            Assert.Equal(designated.Select(g => world.Gateways[g].Id).Order(), database.InterestedIn(GatewayWorld.Group));

            // Phase 1: the whole overlay.
            var ingress = world.DesignatedOf(sourceDomain)!.Value;
            var tree = new ShortestPathTrees(database).GetTree(world.Gateways[ingress].Id, GatewayWorld.Group);
            Assert.Equal(designated.Count, tree.Members.Count);
            var copies = PublishAndDrain(world, source, sourceNode, 1, members);
            AssertEachOnce(world, source, 1, members);
            Assert.Equal((long)tree.EdgeCount * Messages, copies);
            var firstCopies = copies;

            // Phase 2: cut the spanning tree above the subtree that holds nearest half, and every
            // link between the halves; both ends of each notice.
            var top = MiddleSubtree(treeParent);
            var below = all.Where(i => IsBelow(treeParent, i, top)).ToHashSet();
            var sourceSide = below.Contains(ingress) ? below : all.Where(i => !below.Contains(i)).ToHashSet();
            var crossing = world.Links.Where(l => below.Contains(l.A) != below.Contains(l.B)).ToList();
            foreach (var (a, b, _) in crossing)
            {
                sim.Cut(world.Gateways[a].NodeId, world.Gateways[b].NodeId);
                world.Down(a, b);
            }

            var apart = world.DriveUntil(() => world.Settled(sourceSide, GatewayCount, oneDesignatedPerDomain: false), SettleBound, "settling of the source's side");
            var reachable = world.Domains
                .Where(d => d.Member && d.Gateways.Any(g => sourceSide.Contains(g) && world.Gateways[g].Gateway.IsDesignated(GatewayWorld.Group)))
                .Select(d => d.Index)
                .ToList();
            var sideDatabase = world.Gateways[ingress].Gateway.Flooding!.Database;
            var sideTree = new ShortestPathTrees(sideDatabase).GetTree(world.Gateways[ingress].Id, GatewayWorld.Group);
            copies = PublishAndDrain(world, source, sourceNode, 1 + Messages, reachable);
            AssertEachOnce(world, source, 1 + Messages, reachable);
            Assert.Equal((long)sideTree.EdgeCount * Messages, copies);

            // Phase 3: heal; once settled again, everyone gets everything new.
            sim.HealAll();
            foreach (var (a, b, cost) in crossing)
            {
                world.Up(a, b, cost);
            }

            var healed = world.DriveUntil(() => world.Settled(all, GatewayCount), SettleBound, "settling after the heal");
            database = world.Gateways[ingress].Gateway.Flooding!.Database;
            ingress = world.DesignatedOf(sourceDomain)!.Value;
            tree = new ShortestPathTrees(database).GetTree(world.Gateways[ingress].Id, GatewayWorld.Group);
            copies = PublishAndDrain(world, source, sourceNode, 1 + (2 * Messages), members);
            AssertEachOnce(world, source, 1 + (2 * Messages), members);
            Assert.Equal((long)tree.EdgeCount * Messages, copies);

            Assert.Equal(0, world.Duplicates);
            Assert.Equal(world.RelayCopies(), world.RelaysSentCounted());
            Assert.All(world.Gateways, g => Assert.Equal(0, g.Node.UndecodableOverlayFrames));
            output.WriteLine(
                $"seed {sim.Seed}: {GatewayCount} gateways, {world.Links.Count} links, {members.Count} member domains; settled in {settled.TotalMilliseconds} ms; "
                + $"{Messages} msgs × {firstCopies / Messages} tree edges = {firstCopies} copies; partition {sourceSide.Count}/{GatewayCount - sourceSide.Count} ({crossing.Count} links cut), "
                + $"source side settled in {apart.TotalMilliseconds} ms, {reachable.Count} domains reached with {sideTree.EdgeCount} edges; healed in {healed.TotalMilliseconds} ms; "
                + $"{sim.Counters.Retransmitted} TCP retransmissions, {sim.Counters.Reordered} reordered, {sim.Counters.Events} events");
        });
    }

    [Fact]
    public void Failover_DesignatedIngressDiesMidStream_StandbyTakesOverWithoutDuplicates()
    {
        var detection = 500 * Ms; // the overlay link drivers' dead interval, shortened
        var interval = 10 * Ms;
        const int Stream = 300;
        Simulator.Run(SimulationSeed.Seeds(3, first: 2000), sim =>
        {
            var (world, _) = Build(sim, FailoverGatewayCount);
            sim.AddInvariant("no host receives a message twice", () => Assert.Equal(0, world.Duplicates));
            var all = Enumerable.Range(0, FailoverGatewayCount).ToList();
            world.DriveUntil(() => world.Settled(all, FailoverGatewayCount), SettleBound, "settling");

            const int SourceDomain = 0; // a domain with two gateways
            var (source, sourceNode) = world.AddSource(SourceDomain);
            var dead = world.DesignatedOf(SourceDomain)!.Value;
            var standby = world.Domains[SourceDomain].Gateways.Single(g => g != dead);
            var members = world.Domains.Where(d => d.Member && d.Index != SourceDomain).Select(d => d.Index).ToList();

            var start = sim.Now;
            for (var k = 1; k <= Stream; k++)
            {
                var sequence = (ulong)k;
                sim.Schedule(start + (k * interval), sourceNode, "publish", now => source.Publish(now, GatewayWorld.Group, sequence));
            }

            var killAt = start + (Stream / 3 * interval);
            var deadEntry = world.Gateways[dead];
            sim.Schedule(killAt, "kill the designated gateway", () => sim.Isolate(deadEntry.NodeId));
            foreach (var (a, b, _) in world.Links.Where(l => l.A == dead || l.B == dead))
            {
                var neighbor = world.Gateways[a == dead ? b : a];
                sim.Schedule(killAt + detection, neighbor.NodeId, "link down", now => neighbor.Gateway.PeerDown(now, deadEntry.Id));
            }

            sim.Drive(start + ((Stream + 1) * interval) + TimeSpan.FromSeconds(3));

            // The interruption each member host saw: its longest silence while the stream ran.
            var interruption = TimeSpan.Zero;
            var lost = 0;
            foreach (var d in members)
            {
                var host = world.Domains[d].Host;
                var times = host.Deliveries.Where(x => x.Source == source.SourceId).Select(x => x.At).ToList();
                for (var i = 1; i < times.Count; i++)
                {
                    interruption = TimeSpan.FromTicks(Math.Max(interruption.Ticks, (times[i] - times[i - 1]).Ticks));
                }

                for (var k = 1; k <= Stream; k++)
                {
                    var at = start + (k * interval);
                    var times1 = host.TimesReceived(source.SourceId, (ulong)k);
                    Assert.True(times1 <= 1, $"{world.Gateways[world.Domains[d].Gateways[0]].Id}'s host got message {k} {times1} times");
                    if (at < killAt - (100 * Ms) || at > killAt + TimeSpan.FromSeconds(2))
                    {
                        Assert.True(times1 == 1, $"domain {d} did not get message {k}, published {Simulator.FormatTime(at)} (kill at {Simulator.FormatTime(killAt)})");
                    }
                    else if (times1 == 0)
                    {
                        lost++;
                    }
                }
            }

            Assert.True(world.Gateways[standby].Gateway.IsDesignated(GatewayWorld.Group));
            Assert.True(world.Gateways[standby].Gateway.Counters.NativeIngress > 0);
            Assert.InRange(interruption, TimeSpan.Zero, TimeSpan.FromSeconds(2));
            output.WriteLine(
                $"seed {sim.Seed}: ingress {deadEntry.Id} killed at {Simulator.FormatTime(killAt)}, links reported down {detection.TotalMilliseconds} ms later; "
                + $"longest silence at a member host {interruption.TotalMilliseconds:0.0} ms; {lost} (domain, message) deliveries missed over {members.Count} member domains; "
                + $"standby {world.Gateways[standby].Id} took in {world.Gateways[standby].Gateway.Counters.NativeIngress} of {Stream}");
        });
    }

    [Fact]
    public void LeafReturn_PreferredCoreRestartsUnderAStream_EveryHomeGetsEveryMessageOfTheReturnOnce()
    {
        var detection = 500 * Ms; // the overlay link drivers' dead interval, shortened
        var interval = 5 * Ms;
        const int Stream = 800;
        Simulator.Run(SimulationSeed.Seeds(8, first: 2500), sim =>
        {
            // Two cores (transit, in domains of their own that want nothing) and three homes whose
            // leaves list core 1 then core 2; home 0 publishes, and every home has a member host.
            var world = new GatewayWorld(sim);
            var core1 = world.AddGateway(world.AddDomain(member: false), "gw-core1");
            var core2 = world.AddGateway(world.AddDomain(member: false), "gw-core2");
            int[] homes = [world.AddDomain(member: true), world.AddDomain(member: true), world.AddDomain(member: true)];
            int[] leaves = [.. homes.Select((d, i) => world.AddGateway(d, $"home-{i + 1}", GatewayRole.Leaf, [core1, core2]))];
            var coreLink = 2 * Ms;
            var leafLink = 3 * Ms;
            world.Link(core1, core2, coreLink);
            foreach (var leaf in leaves)
            {
                world.Link(leaf, core1, leafLink);
                world.Link(leaf, core2, leafLink);
            }

            sim.AddInvariant("no host receives a message twice", () => Assert.Equal(0, world.Duplicates));
            int[] all = [core1, core2, .. leaves];
            var (c1, c2) = (world.Gateways[core1], world.Gateways[core2]);
            var leafIds = leaves.Select(l => world.Gateways[l].Id).ToList();
            world.DriveUntil(
                () => world.Settled(all, 2) && c2.Gateway.Flooding!.Database.InterestedIn(GatewayWorld.Group).SequenceEqual([c1.Id]) && leafIds.All(c1.Gateway.ChildrenOf(GatewayWorld.Group).Contains),
                SettleBound,
                "settling: every leaf asked core 1 for the group");

            var (source, sourceNode) = world.AddSource(homes[0]);
            var start = sim.Now;
            for (var k = 1; k <= Stream; k++)
            {
                var sequence = (ulong)k;
                sim.Schedule(start + (k * interval), sourceNode, "publish", now => source.Publish(now, GatewayWorld.Group, sequence));
            }

            // Core 1 dies; its peers notice after the dead interval and the leaves fail over.
            var killAt = start + TimeSpan.FromSeconds(1);
            sim.Schedule(killAt, "kill core 1", () => world.Kill(core1));
            foreach (var peer in leaves.Append(core2))
            {
                var entry = world.Gateways[peer];
                sim.Schedule(killAt + detection, entry.NodeId, "link to core 1 down", now => entry.Gateway.PeerDown(now, c1.Id));
            }

            // It starts again and dials core 2 at once; the leaves' redials come up later (after
            // backoff), each at random, now and then before core 1 has any link-state at all.
            var restartAt = killAt + TimeSpan.FromSeconds(1.5);
            sim.Schedule(restartAt, "restart core 1", () => world.Restart(core1));
            var ups = new List<(TimeSpan At, string What)>();
            foreach (var peer in leaves.Append(core2))
            {
                var at = restartAt + TimeSpan.FromMilliseconds(1 + sim.Random.Next(peer == core2 ? 20 : 300));
                var cost = (uint)(peer == core2 ? coreLink : leafLink).TotalMicroseconds;
                ups.Add((at - restartAt, world.Gateways[peer].Id.Value));
                sim.Schedule(at, $"link {world.Gateways[peer].Id} to core 1 up", () => world.Up(peer, core1, cost));
            }

            var end = start + ((Stream + 1) * interval);
            sim.Drive(end + TimeSpan.FromSeconds(3));

            // Lost to the failover: what was published while core 1 was dead and not yet noticed.
            var lost = new List<string>();
            foreach (var home in homes)
            {
                var host = world.Domains[home].Host;
                for (var k = 1; k <= Stream; k++)
                {
                    var at = start + (k * interval);
                    var times = host.TimesReceived(source.SourceId, (ulong)k);
                    // From a TCP retransmission before the kill (which the kill cuts off) to the leaves' failover.
                    var failover = at > killAt - (100 * Ms) && at < killAt + detection + (50 * Ms);
                    if (failover && times == 0)
                    {
                        lost.Add($"{home}:{k}");
                        continue;
                    }

                    Assert.True(times == 1, $"seed {sim.Seed}: home {home} got message {k}, published {Simulator.FormatTime(at)} (core 1 restarted {Simulator.FormatTime(restartAt)}), {times} times");
                }
            }

            var returns = leaves.Select(l => world.Gateways[l]).Select(l => (l.Id, Ended: l.Node.Events.Select(e => e.Event).OfType<UpstreamReturnEnded>().ToList())).ToList();
            foreach (var leaf in leaves.Select(l => world.Gateways[l].Gateway))
            {
                Assert.Equal((c1.Id, (GatewayId?)null), (leaf.ActiveUpstream, leaf.ReturningFrom));
            }

            Assert.All(returns, r => Assert.Equal(c2.Id, Assert.Single(r.Ended).Previous));
            Assert.DoesNotContain(GatewayWorld.Group, c2.Gateway.Interest);
            output.WriteLine(
                $"seed {sim.Seed}: core 1 killed at {Simulator.FormatTime(killAt)}, restarted at {Simulator.FormatTime(restartAt)}, links up after {string.Join(", ", ups.OrderBy(u => u.At).Select(u => $"{u.What} {u.At.TotalMilliseconds:0} ms"))}; "
                + $"{lost.Count} (home, message) deliveries lost to the failover, none to the return; returns: "
                + string.Join("; ", returns.Select(r => string.Join(", ", r.Ended.Select(e => $"{r.Id} {e.How} in {e.Duration.TotalMilliseconds:0} ms ({e.Confirmed} confirmed, {e.Unconfirmed} not)")))));
        });
    }

    /// <summary>
    /// <paramref name="count"/> gateways on a <see cref="RandomOverlay"/> topology (its one-way flag ignored: the
    /// gateway's links are two-way), link delays of 1 to 20 ms; the first domains have two
    /// gateways and are members; of the others about 40 % are.
    /// </summary>
    private static (GatewayWorld World, int[] TreeParent) Build(Simulator sim, int count)
    {
        var world = new GatewayWorld(sim);
        var topology = RandomOverlay.Create(count, sim.Random.Next());
        for (var d = 0; d < count - TwoGatewayDomains; d++)
        {
            world.AddDomain(member: d < TwoGatewayDomains || sim.Random.Next(100) < 40);
        }

        for (var i = 0; i < count; i++)
        {
            world.AddGateway(i < 2 * TwoGatewayDomains ? i / 2 : i - TwoGatewayDomains, topology.Ids[i].Value);
        }

        foreach (var link in topology.Links)
        {
            world.Link(link.A, link.B, link.CostAB * Ms);
        }

        // RandomOverlay lays its spanning tree first: link i - 1 joins node i to its parent.
        var parents = new int[count];
        parents[0] = -1;
        for (var i = 1; i < count; i++)
        {
            Assert.Equal(i, topology.Links[i - 1].B);
            parents[i] = topology.Links[i - 1].A;
        }

        return (world, parents);
    }

    /// <summary>Publishes <see cref="Messages"/> messages from <paramref name="first"/> on, drives until every expected domain has them, then a second more; returns the relay copies sent meanwhile.</summary>
    private static long PublishAndDrain(GatewayWorld world, HostNode source, NodeId sourceNode, int first, IReadOnlyList<int> expected)
    {
        var before = world.RelayCopies();
        var beforeCounted = world.RelaysSentCounted();
        for (var k = 0; k < Messages; k++)
        {
            world.Publish(source, sourceNode, (ulong)(first + k));
            world.Sim.DriveFor(2 * Ms);
        }

        world.DriveUntil(
            () => expected.All(d => Enumerable.Range(first, Messages).All(k => world.Domains[d].Host.TimesReceived(source.SourceId, (ulong)k) > 0)),
            TimeSpan.FromSeconds(5),
            "delivery to every expected domain");
        world.Sim.DriveFor(TimeSpan.FromSeconds(1));
        var copies = world.RelayCopies() - before;
        Assert.Equal(copies, world.RelaysSentCounted() - beforeCounted);
        return copies;
    }

    /// <summary>Every domain in <paramref name="expected"/> got each message once; every non-member none.</summary>
    private static void AssertEachOnce(GatewayWorld world, HostNode source, int first, IReadOnlyList<int> expected)
    {
        var set = expected.ToHashSet();
        foreach (var domain in world.Domains)
        {
            for (var k = first; k < first + Messages; k++)
            {
                var times = domain.Host.TimesReceived(source.SourceId, (ulong)k);
                if (set.Contains(domain.Index))
                {
                    Assert.True(times == 1, $"member domain {domain.Index} got message {k} {times} times");
                }
                else if (!domain.Member)
                {
                    Assert.True(times == 0, $"non-member domain {domain.Index} got message {k} {times} times");
                }
            }
        }
    }

    private static int MiddleSubtree(int[] parents)
    {
        var count = parents.Length;
        var sizes = new int[count];
        for (var i = count - 1; i > 0; i--) // parents have lower indices than their children
        {
            sizes[i]++;
            sizes[parents[i]] += sizes[i];
        }

        return Enumerable.Range(1, count - 1).MinBy(i => Math.Abs((2 * sizes[i]) - count));
    }

    private static bool IsBelow(int[] parents, int node, int top)
    {
        for (var at = node; at >= 0; at = parents[at])
        {
            if (at == top)
            {
                return true;
            }
        }

        return false;
    }
}
