using Bridge.Multicast.Naming;
using Bridge.Multicast.Overlay.Election;
using Bridge.Multicast.Overlay.Routing;
using Bridge.Simulation;
using Xunit.Abstractions;
using Bridge.Simulation.Nodes;

namespace Bridge.Multicast.Tests.Overlay.Election;

/// <summary>
/// <see cref="DesignatedGatewayElection"/> on a simulated LAN that delays, jitters, loses,
/// duplicates and reorders hellos, with 2 to 5 gateways serving 50 groups, over many seeds. A
/// failure names its seed; <c>GRIDCAST_SIM_SEED=n</c> replays it.
/// </summary>
/// <remarks>
/// "Converged" is observable: every running, reachable gateway is ready and sees exactly the
/// other running, reachable gateways as live and ready. At such moments exactly one of them must
/// be designated for each group. Takeover is measured on the virtual clock from the failed
/// gateway's last hello to the input at which every group it had is designated elsewhere.
/// </remarks>
public sealed class ElectionSimulationTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Ms = TimeSpan.FromMilliseconds(1);
    private static readonly TimeSpan Interval = 100 * Ms;
    private static readonly TimeSpan Hold = 350 * Ms;

    private static readonly GroupName[] Groups =
        Enumerable.Range(0, 50).Select(i => GroupName.Parse($"ham:sg:grid.feeder{i}")).ToArray();

    /// <summary>Delay plus jitter plus reordering stays well below the hello interval.</summary>
    private static readonly LinkConditions Lan = new()
    {
        Delay = 2 * Ms,
        Jitter = 8 * Ms,
        LossProbability = 0.03,
        DuplicationProbability = 0.02,
        ReorderProbability = 0.05,
        ReorderDelay = 20 * Ms,
    };

    public static TheoryData<int> GatewayCounts => new() { 2, 3, 4, 5 };

    [Theory]
    [MemberData(nameof(GatewayCounts))]
    public void Converge_AllServeAllGroups_ExactlyOneDesignatedPerGroupAndGroupsSpread(int gateways)
    {
        Simulator.Run(SimulationSeed.Seeds(25), sim =>
        {
            var domain = ElectionDomain.Start(sim, gateways);
            domain.DriveUntilConverged();

            var assignment = domain.Assignment();

            Assert.Equal(Groups.Length, assignment.Count);
            foreach (var gateway in domain.Gateways)
            {
                var share = assignment.Values.Count(id => id == gateway.Node.Election.Id);
                Assert.True(share >= Groups.Length / gateways / 2, $"{gateway.Node.Election.Id} forwards {share} of {Groups.Length} groups among {gateways} gateways; the rule should spread them");
            }

            domain.AssertSteady(TimeSpan.FromSeconds(1), assignment);
        });
    }

    [Theory]
    [MemberData(nameof(GatewayCounts))]
    public void Converge_GatewaysServeDifferentGroups_TheDesignatedOneServesTheGroup(int gateways)
    {
        // Gateway i leaves out every group j with (i + j) % gateways == 0: each group has gateways - 1 servers.
        Simulator.Run(SimulationSeed.Seeds(15, first: 101), sim =>
        {
            var domain = ElectionDomain.Start(sim, gateways, i => Groups.Where((_, j) => (i + j) % gateways != 0));
            domain.DriveUntilConverged();

            var assignment = domain.Assignment();

            Assert.Equal(Groups.Length, assignment.Count);
            foreach (var (group, id) in assignment)
            {
                var designated = domain.Gateways.Single(g => g.Node.Election.Id == id).Node.Election;
                Assert.Contains(designated.ServedGroups, g => g.WireName == group);
            }
        });
    }

    public static TheoryData<int, bool> GatewayCountsAndFailures => new()
    {
        { 2, false }, { 3, false }, { 4, false }, { 5, false },
        { 2, true }, { 3, true }, { 4, true }, { 5, true },
    };

    /// <summary>
    /// Isolation (the gateway lives on, cut off, then rejoins) or a crash (it stops, and a fresh
    /// instance restarts): either way the others take over its groups within hold + interval of its
    /// last hello, and once it is back the assignment is what it was, with no group left unforwarded.
    /// </summary>
    [Theory]
    [MemberData(nameof(GatewayCountsAndFailures))]
    public void Fail_DesignatedGateway_OthersTakeOverWithinHoldPlusInterval_RecoveryRestoresAssignment(int gateways, bool crash)
    {
        var takeovers = new List<TimeSpan>();
        Simulator.Run(SimulationSeed.Seeds(20, first: crash ? 301 : 201), sim =>
        {
            var domain = ElectionDomain.Start(sim, gateways);
            domain.DriveUntilConverged();
            var before = domain.Assignment();

            sim.DriveFor(TimeSpan.FromTicks(sim.Random.NextInt64(TimeSpan.FromSeconds(1).Ticks)));
            var victim = domain.DesignatedOf(Groups[sim.Random.Next(Groups.Length)]);
            takeovers.Add(domain.FailAndMeasureTakeover(victim, crash));

            domain.DriveUntilConverged();
            AssertSurvivorsTookExactlyTheVictimsGroups(domain, before, victim);

            // A fresh instance after a crash listens before it competes: its old groups stay forwarded meanwhile.
            sim.DriveFor(TimeSpan.FromTicks(sim.Random.NextInt64(TimeSpan.FromSeconds(1).Ticks)));
            domain.GuardAgainstGaps = true;
            domain.Heal(victim);
            domain.DriveUntilConverged();

            Assert.Equal(before, domain.Assignment());
        });

        Report(gateways, crash ? "crash" : "isolation", takeovers);
    }

    [Fact]
    public void MalformedHellosOnTheLan_CountedAndIgnored_AssignmentStaysUnique()
    {
        Simulator.Run(SimulationSeed.Seeds(10, first: 401), sim =>
        {
            var domain = ElectionDomain.Start(sim, gateways: 3);
            var noise = new NoiseNode(domain.Lan, every: 7 * Ms);
            var noiseId = sim.AddNode("noise", noise);
            sim.Attach(domain.Lan, noiseId);

            domain.DriveUntilConverged();
            domain.AssertSteady(TimeSpan.FromSeconds(1), domain.Assignment());

            Assert.True(noise.Sent > 100, $"the noise node sent only {noise.Sent} datagrams");
            foreach (var gateway in domain.Gateways)
            {
                var counters = gateway.Node.Election.Counters;
                var heard = gateway.Node.DatagramsFrom(noiseId);
                Assert.True(heard > 50, $"{gateway.Node.Election.Id} heard only {heard} noise datagrams");
                Assert.Equal(heard, counters.HellosRejected);
                Assert.Equal(heard, gateway.Node.Events.Count(e => e.Event is HelloRejected));
                Assert.True(counters.HellosReceived > 0);
            }
        });
    }

    private static void AssertSurvivorsTookExactlyTheVictimsGroups(
        ElectionDomain domain,
        Dictionary<string, GatewayId> before,
        ElectionDomain.Gateway victim)
    {
        var after = domain.Assignment();
        var survivors = domain.Reachable.Select(g => new DesignationCandidate(g.Node.Election.Id, g.Node.Election.Options.Priority)).ToList();
        foreach (var group in Groups)
        {
            var was = before[group.WireName];
            if (was == victim.Node.Election.Id)
            {
                Assert.Equal(DesignationRule.Choose(group, survivors), after[group.WireName]);
            }
            else
            {
                Assert.True(was == after[group.WireName], $"{group} moved from {was} to {after[group.WireName]}, though {was} did not fail");
            }
        }
    }

    private void Report(int gateways, string failure, List<TimeSpan> takeovers)
    {
        output.WriteLine(
            $"{gateways} gateways, {failure}: {takeovers.Count} seeds, takeover after the last hello min {takeovers.Min().TotalMilliseconds:0.0} ms, " +
            $"mean {takeovers.Average(t => t.TotalMilliseconds):0.0} ms, max {takeovers.Max().TotalMilliseconds:0.0} ms (bound {(Hold + Interval).TotalMilliseconds} ms)");
    }

    /// <summary>The gateways of one simulated domain and what the tests ask of them.</summary>
    private sealed class ElectionDomain
    {
        private readonly Simulator _sim;
        private readonly HashSet<NodeId> _isolated = [];

        private ElectionDomain(Simulator sim, DomainId lan)
        {
            _sim = sim;
            Lan = lan;
            sim.AddInvariant("every group has a designated gateway while a gateway rejoins", CheckNoGap);
        }

        public DomainId Lan { get; }

        public List<Gateway> Gateways { get; } = [];

        /// <summary>Whether <see cref="CheckNoGap"/> applies: from a heal on, when no reachable gateway fails.</summary>
        public bool GuardAgainstGaps { get; set; }

        /// <summary>The gateways that run and are not cut off.</summary>
        public IEnumerable<Gateway> Reachable => Gateways.Where(g => !g.Node.Halted && !_isolated.Contains(g.Id));

        /// <summary>Gateways gw-0 .. gw-(n-1) on one LAN, each started at a random time in the first 50 ms.</summary>
        public static ElectionDomain Start(Simulator sim, int gateways, Func<int, IEnumerable<GroupName>>? groupsOf = null)
        {
            var domain = new ElectionDomain(sim, sim.AddDomain("lan", ElectionSimulationTests.Lan));
            for (var i = 0; i < gateways; i++)
            {
                var options = new ElectionOptions { Id = new GatewayId($"gw-{i}"), HelloInterval = Interval, HoldTime = Hold };
                var node = new ElectionNode(options, domain.Lan, groupsOf?.Invoke(i) ?? Groups);
                var id = sim.AddNode($"gw-{i}", node);
                sim.Attach(domain.Lan, id);
                sim.Schedule(TimeSpan.FromTicks(sim.Random.NextInt64((50 * Ms).Ticks)), id, $"start gw-{i}", node.Start);
                domain.Gateways.Add(new Gateway(id, node));
            }

            return domain;
        }

        public bool Converged()
        {
            var reachable = Reachable.ToList();
            foreach (var gateway in reachable)
            {
                var election = gateway.Node.Election;
                var peers = election.Peers;
                if (!election.IsReady
                    || peers.Count != reachable.Count - 1
                    || !peers.All(p => p.Ready)
                    || !reachable.All(other => other == gateway || peers.Any(p => p.Id == other.Node.Election.Id)))
                {
                    return false;
                }
            }

            return true;
        }

        public void DriveUntilConverged() =>
            _sim.DriveBounded(Converged, maxEvents: 1_000_000, maxTime: TimeSpan.FromSeconds(3));

        /// <summary>Group (wire name) to its one designated reachable gateway; fails unless exactly one, on which all agree.</summary>
        public Dictionary<string, GatewayId> Assignment()
        {
            var assignment = new Dictionary<string, GatewayId>(StringComparer.Ordinal);
            var reachable = Reachable.ToList();
            foreach (var group in Groups)
            {
                var designated = reachable.Where(g => g.Node.Election.IsDesignated(group)).Select(g => g.Node.Election.Id).ToList();
                if (!reachable.Any(g => g.Node.Serves(group)))
                {
                    Assert.Empty(designated);
                    continue;
                }

                Assert.True(designated.Count == 1, $"{group}: designated at {_sim.Now}: [{string.Join(", ", designated)}], expected exactly one");
                foreach (var gateway in reachable)
                {
                    Assert.Equal(designated[0], gateway.Node.Election.DesignatedGatewayOf(group));
                }

                assignment[group.WireName] = designated[0];
            }

            return assignment;
        }

        /// <summary>For <paramref name="duration"/>, at every 25 ms at which the domain is converged, the assignment is <paramref name="expected"/>.</summary>
        public void AssertSteady(TimeSpan duration, Dictionary<string, GatewayId> expected)
        {
            var checks = 0;
            for (var end = _sim.Now + duration; _sim.Now < end;)
            {
                _sim.DriveFor(25 * Ms);
                if (Converged())
                {
                    Assert.Equal(expected, Assignment());
                    checks++;
                }
            }

            var possible = (int)(duration / (25 * Ms));
            Assert.True(checks > possible * 8 / 10, $"converged at only {checks} of {possible} checks");
        }

        public Gateway DesignatedOf(GroupName group) => Reachable.Single(g => g.Node.Election.IsDesignated(group));

        /// <summary>
        /// Cuts <paramref name="victim"/> off (or crashes it) now and drives until every group it
        /// was designated for is designated at a reachable gateway; checks and returns the time
        /// from its last hello.
        /// </summary>
        public TimeSpan FailAndMeasureTakeover(Gateway victim, bool crash)
        {
            var orphans = Groups.Where(victim.Node.Election.IsDesignated).ToList();
            Assert.NotEmpty(orphans);
            var lastHello = victim.Node.HellosSentAt[^1];
            if (crash)
            {
                victim.Node.Halt();
            }
            else
            {
                _sim.Isolate(victim.Id);
                _isolated.Add(victim.Id);
            }

            _sim.DriveBounded(
                () => orphans.All(g => Reachable.Any(r => r.Node.Election.IsDesignated(g))),
                maxEvents: 1_000_000,
                maxTime: TimeSpan.FromSeconds(2));
            var takeover = _sim.Now - lastHello;
            Assert.True(takeover <= Hold + Interval, $"takeover took {takeover.TotalMilliseconds} ms after the last hello; bound {(Hold + Interval).TotalMilliseconds} ms");
            return takeover;
        }

        /// <summary>Ends the isolation of <paramref name="victim"/>, or restarts it after a crash.</summary>
        public void Heal(Gateway victim)
        {
            if (victim.Node.Halted)
            {
                _sim.Invoke(victim.Id, victim.Node.Restart);
            }
            else
            {
                _sim.Rejoin(victim.Id);
                _isolated.Remove(victim.Id);
            }
        }

        private void CheckNoGap()
        {
            if (!GuardAgainstGaps)
            {
                return;
            }

            var reachable = Reachable.ToList();
            foreach (var group in Groups)
            {
                Assert.True(
                    reachable.Any(g => g.Node.Election.IsDesignated(group)),
                    $"{group} has no designated gateway at {_sim.Now}");
            }
        }

        public sealed record Gateway(NodeId Id, ElectionNode Node);
    }

    /// <summary>Multicasts malformed hellos on the LAN: the table of <see cref="MalformedHellos"/> and random bytes, in turn.</summary>
    private sealed class NoiseNode(DomainId lan, TimeSpan every) : ISimulatedNode
    {
        private readonly Queue<SimTransmit> _outbox = new();
        private TimeSpan _next;

        public int Sent { get; private set; }

        public void HandleDatagram(TimeSpan now, NodeId from, ReadOnlyMemory<byte> datagram)
        {
        }

        public void HandleTimeout(TimeSpan now)
        {
            var table = MalformedHellos.All;
            byte[] bytes;
            if (Sent % 2 == 0)
            {
                bytes = table[Sent / 2 % table.Count].Bytes;
            }
            else
            {
                // Version 0xEE is never valid, so random bytes can never be a hello by chance.
                bytes = new byte[1 + (Sent * 7919 % 200)];
                for (var i = 0; i < bytes.Length; i++)
                {
                    bytes[i] = (byte)((Sent * 31) + (i * 17));
                }

                bytes[0] = 0xEE;
            }

            _outbox.Enqueue(SimTransmit.ToDomain(lan, bytes));
            Sent++;
            _next = now + every;
        }

        public bool TryPollTransmit(out SimTransmit transmit) => _outbox.TryDequeue(out transmit);

        public TimeSpan? PollTimeout() => _next;
    }
}
