using System.Buffers.Binary;
using Bridge.Simulation;

namespace Bridge.Multicast.Tests.Simulation;

/// <summary>
/// The <see cref="Simulator"/> itself, driving tiny nodes written here: replay from the seed,
/// delay, loss, duplication, reordering, domains, partitions, timers and the bounded drives.
/// </summary>
public sealed class SimulatorTests
{
    private static readonly TimeSpan Ms = TimeSpan.FromMilliseconds(1);

    [Fact]
    public void Run_SameSeed_ReplaysTheSameTraceEventForEvent()
    {
        var first = RunBusyScenario(seed: 42);
        var second = RunBusyScenario(seed: 42);

        Assert.True(first.Entries.Count > 1000, $"the scenario should be busy, made {first.Entries.Count} entries");
        Assert.Equal(first.Entries, second.Entries);
        Assert.Equal(first.Digest, second.Digest);
        Assert.Equal(first.Received, second.Received);
    }

    [Fact]
    public void Run_DifferentSeeds_GiveDifferentRuns()
    {
        var digests = Enumerable.Range(1, 5).Select(seed => RunBusyScenario(seed).Digest).ToList();

        Assert.Equal(digests.Count, digests.Distinct().Count());
    }

    [Fact]
    public void Link_FixedDelay_DeliversInSendOrderExactlyOneDelayLater()
    {
        var sim = new Simulator(seed: 1);
        var receiver = new RecorderNode();
        var b = sim.AddNode("b", receiver);
        var sender = new PacerNode(n => SimTransmit.ToNode(b, Numbered(n)), start: Ms, interval: Ms / 4, count: 50);
        var a = sim.AddNode("a", sender);
        sim.Connect(a, b, new LinkConditions { Delay = 5 * Ms });

        sim.DriveToIdle();

        Assert.Equal(Enumerable.Range(0, 50), receiver.Received.Select(r => r.Number));
        Assert.All(receiver.Received, r => Assert.Equal(sender.SentAt[r.Number] + (5 * Ms), r.At));
        Assert.All(receiver.Received, r => Assert.Equal(a, r.From));
    }

    [Fact]
    public void Link_Jitter_DelaysEachDatagramWithinDelayPlusJitter()
    {
        var sim = new Simulator(seed: 2);
        var receiver = new RecorderNode();
        var b = sim.AddNode("b", receiver);
        var sender = new PacerNode(n => SimTransmit.ToNode(b, Numbered(n)), start: Ms, interval: Ms, count: 500);
        var a = sim.AddNode("a", sender);
        sim.Connect(a, b, new LinkConditions { Delay = 10 * Ms, Jitter = 4 * Ms });

        sim.DriveToIdle();

        var delays = receiver.Received.Select(r => r.At - sender.SentAt[r.Number]).ToList();
        Assert.Equal(500, delays.Count);
        Assert.All(delays, d => Assert.InRange(d, 10 * Ms, 14 * Ms));
        Assert.True(delays.Distinct().Count() > 400, "jitter should spread the delays");
    }

    [Fact]
    public void Link_Loss_DropsAShareWithinFiveSigmaOfTheProbability()
    {
        const int Count = 20_000;
        const double P = 0.2;
        var sim = new Simulator(seed: 3);
        var receiver = new RecorderNode();
        var b = sim.AddNode("b", receiver);
        var a = sim.AddNode("a", new PacerNode(n => SimTransmit.ToNode(b, Numbered(n)), Ms, Ms, Count));
        sim.Connect(a, b, new LinkConditions { Delay = Ms, LossProbability = P });

        sim.DriveToIdle();

        var sigma = Math.Sqrt(Count * P * (1 - P));
        Assert.InRange(receiver.Received.Count, (Count * (1 - P)) - (5 * sigma), (Count * (1 - P)) + (5 * sigma));
        Assert.Equal(Count, receiver.Received.Count + sim.Counters.Lost);
        Assert.Equal(receiver.Received.Count, receiver.Received.Select(r => r.Number).Distinct().Count());
    }

    [Fact]
    public void Link_Duplication_DeliversSomeDatagramsTwiceAndNoneMoreOften()
    {
        const int Count = 10_000;
        const double P = 0.1;
        var sim = new Simulator(seed: 4);
        var receiver = new RecorderNode();
        var b = sim.AddNode("b", receiver);
        var a = sim.AddNode("a", new PacerNode(n => SimTransmit.ToNode(b, Numbered(n)), Ms, Ms, Count));
        sim.Connect(a, b, new LinkConditions { Delay = Ms, Jitter = Ms, DuplicationProbability = P });

        sim.DriveToIdle();

        var copies = receiver.Received.GroupBy(r => r.Number).Select(g => g.Count()).ToList();
        Assert.Equal(Count, copies.Count);
        Assert.All(copies, c => Assert.InRange(c, 1, 2));
        var twice = copies.Count(c => c == 2);
        var sigma = Math.Sqrt(Count * P * (1 - P));
        Assert.InRange(twice, (Count * P) - (5 * sigma), (Count * P) + (5 * sigma));
        Assert.Equal(twice, sim.Counters.Duplicated);
    }

    [Fact]
    public void Link_Reordering_HeldBackDatagramsArriveAfterLaterOnes()
    {
        var sim = new Simulator(seed: 5);
        var receiver = new RecorderNode();
        var b = sim.AddNode("b", receiver);
        var a = sim.AddNode("a", new PacerNode(n => SimTransmit.ToNode(b, Numbered(n)), Ms, Ms, 1000));
        sim.Connect(a, b, new LinkConditions { Delay = 2 * Ms, ReorderProbability = 0.05, ReorderDelay = 20 * Ms });

        sim.DriveToIdle();

        var order = receiver.Received.Select(r => r.Number).ToList();
        Assert.Equal(Enumerable.Range(0, 1000), order.Order());
        var overtaken = order.Where((n, i) => order.Skip(i + 1).Any(later => later < n)).Count();
        Assert.True(overtaken > 10, $"expected datagrams to be overtaken, saw {overtaken}");
        Assert.InRange(sim.Counters.Reordered, 20, 80);
    }

    [Fact]
    public void Domain_Transmit_ReachesEveryOtherMemberOnceAndNoOneElse()
    {
        var sim = new Simulator(seed: 6);
        var nodes = Enumerable.Range(0, 4).Select(_ => new RecorderNode()).ToArray();
        var ids = nodes.Select((n, i) => sim.AddNode($"node{i}", n)).ToArray();
        var lan = sim.AddDomain("lan", new LinkConditions { Delay = Ms });
        foreach (var member in ids.Take(3))
        {
            sim.Attach(lan, member);
        }

        sim.Invoke(ids[0], _ => nodes[0].Outbox.Enqueue(SimTransmit.ToDomain(lan, Numbered(7))));
        sim.Invoke(ids[3], _ => nodes[3].Outbox.Enqueue(SimTransmit.ToDomain(lan, Numbered(8))));
        sim.DriveToIdle();

        Assert.Empty(nodes[0].Received);
        Assert.Equal([(ids[0], 7)], nodes[1].Received.Select(r => (r.From, r.Number)));
        Assert.Equal([(ids[0], 7)], nodes[2].Received.Select(r => (r.From, r.Number)));
        Assert.Empty(nodes[3].Received);
        Assert.Equal(1, sim.Counters.NoRouteDrops);
    }

    [Fact]
    public void Domain_Loss_IsDrawnPerReceiver()
    {
        var sim = new Simulator(seed: 7);
        var receivers = new[] { new RecorderNode(), new RecorderNode() };
        var lan = sim.AddDomain("lan", new LinkConditions { LossProbability = 0.5 });
        foreach (var (receiver, i) in receivers.Select((r, i) => (r, i)))
        {
            sim.Attach(lan, sim.AddNode($"receiver{i}", receiver));
        }

        var sender = sim.AddNode("sender", new PacerNode(n => SimTransmit.ToDomain(lan, Numbered(n)), Ms, Ms, 400));
        sim.Attach(lan, sender);

        sim.DriveToIdle();

        var first = receivers[0].Received.Select(r => r.Number).ToHashSet();
        var second = receivers[1].Received.Select(r => r.Number).ToHashSet();
        Assert.False(first.SetEquals(second), "two receivers should not lose the same datagrams");
        Assert.Equal(800, first.Count + second.Count + sim.Counters.Lost);
    }

    [Fact]
    public void Cut_DropsWhatIsSentOrArrivesWhileCut_HealDeliversAgain()
    {
        var sim = new Simulator(seed: 8);
        var receiver = new RecorderNode();
        var b = sim.AddNode("b", receiver);
        var a = sim.AddNode("a", new PacerNode(n => SimTransmit.ToNode(b, Numbered(n)), TimeSpan.Zero, Ms, 30));
        sim.Connect(a, b, new LinkConditions { Delay = 2 * Ms });
        sim.Schedule(10 * Ms, "cut a-b", () => sim.Cut(a, b));
        sim.Schedule(20 * Ms, "heal a-b", () => sim.Heal(a, b));

        sim.DriveToIdle();

        // Sent at 0..7 ms: arrived before the cut. Sent at 8 and 9 ms: in flight when it came.
        // Sent at 10..19 ms: sent into the cut. Sent from 20 ms: after the heal.
        Assert.Equal(Enumerable.Range(0, 8).Concat(Enumerable.Range(20, 10)), receiver.Received.Select(r => r.Number));
        Assert.Equal(12, sim.Counters.PartitionDrops);
    }

    [Fact]
    public void Isolate_DropsEverythingToAndFromTheNodeUntilRejoin()
    {
        var sim = new Simulator(seed: 9);
        var lan = sim.AddDomain("lan", new LinkConditions { Delay = Ms });
        var nodes = new[] { new RecorderNode(), new RecorderNode(), new RecorderNode() };
        var ids = nodes.Select((n, i) => sim.AddNode($"node{i}", n)).ToArray();
        foreach (var id in ids)
        {
            sim.Attach(lan, id);
        }

        sim.Isolate(ids[2]);
        sim.Invoke(ids[0], _ => nodes[0].Outbox.Enqueue(SimTransmit.ToDomain(lan, Numbered(1))));
        sim.Invoke(ids[2], _ => nodes[2].Outbox.Enqueue(SimTransmit.ToDomain(lan, Numbered(2))));
        sim.DriveToIdle();
        sim.Rejoin(ids[2]);
        sim.Invoke(ids[0], _ => nodes[0].Outbox.Enqueue(SimTransmit.ToDomain(lan, Numbered(3))));
        sim.DriveToIdle();

        Assert.Equal([1, 3], nodes[1].Received.Select(r => r.Number));
        Assert.Equal([3], nodes[2].Received.Select(r => r.Number));
        Assert.Empty(nodes[0].Received);
        Assert.Equal(3, sim.Counters.PartitionDrops);
    }

    [Fact]
    public void Transmit_ToNodeWithoutLink_IsDroppedAsNoRoute()
    {
        var sim = new Simulator(seed: 10);
        var receiver = new RecorderNode();
        var b = sim.AddNode("b", receiver);
        var sender = new RecorderNode();
        var a = sim.AddNode("a", sender);

        sim.Invoke(a, _ => sender.Outbox.Enqueue(SimTransmit.ToNode(b, Numbered(1))));
        sim.DriveToIdle();

        Assert.Empty(receiver.Received);
        Assert.Equal(1, sim.Counters.NoRouteDrops);
        Assert.Contains(sim.Trace.Retained, e => e is { Kind: SimTraceKind.Drop, Reason: SimDropReason.NoRoute });
    }

    [Fact]
    public void Timer_MovedEarlierThenLater_FiresOnlyAtTheDeadlineInForce()
    {
        var sim = new Simulator(seed: 11);
        var node = new AlarmNode { Deadline = 10 * Ms };
        var id = sim.AddNode("alarm", node);

        sim.Invoke(id, _ => node.Deadline = 5 * Ms);
        sim.Drive(4 * Ms);
        sim.Invoke(id, _ => node.Deadline = 20 * Ms);
        sim.DriveToIdle();

        Assert.Equal([20 * Ms], node.Fired);
        Assert.Equal(20 * Ms, sim.Now);
        Assert.Equal(1, sim.Counters.Timeouts);
    }

    [Fact]
    public void Timer_DeadlineInThePast_FiresAtTheCurrentTime()
    {
        var sim = new Simulator(seed: 12);
        var node = new AlarmNode();
        var id = sim.AddNode("alarm", node);
        sim.Drive(30 * Ms);

        sim.Invoke(id, _ => node.Deadline = 10 * Ms);
        sim.DriveToIdle();

        Assert.Equal([30 * Ms], node.Fired);
    }

    [Fact]
    public void Drive_UntilTime_StopsThereAndLeavesLaterEventsPending()
    {
        var sim = new Simulator(seed: 13);
        var receiver = new RecorderNode();
        var b = sim.AddNode("b", receiver);
        var a = sim.AddNode("a", new PacerNode(n => SimTransmit.ToNode(b, Numbered(n)), Ms, Ms, 10));
        sim.Connect(a, b, LinkConditions.Perfect);

        sim.Drive(5 * Ms);

        Assert.Equal(5 * Ms, sim.Now);
        Assert.Equal(5, receiver.Received.Count);
        Assert.False(sim.IsIdle);
        Assert.Equal(6 * Ms, sim.NextEventTime);
    }

    [Fact]
    public void Drive_UntilCondition_StopsAsSoonAsItHolds()
    {
        var sim = new Simulator(seed: 14);
        var receiver = new RecorderNode();
        var b = sim.AddNode("b", receiver);
        var a = sim.AddNode("a", new PacerNode(n => SimTransmit.ToNode(b, Numbered(n)), Ms, Ms, 10));
        sim.Connect(a, b, new LinkConditions { Delay = Ms / 2 });

        var held = sim.Drive(() => receiver.Received.Count == 3);

        Assert.True(held);
        Assert.Equal(3 * Ms + (Ms / 2), sim.Now);
    }

    [Fact]
    public void DriveBounded_ConditionHoldsInTime_Returns()
    {
        var sim = new Simulator(seed: 15);
        var receiver = new RecorderNode();
        var b = sim.AddNode("b", receiver);
        var a = sim.AddNode("a", new PacerNode(n => SimTransmit.ToNode(b, Numbered(n)), Ms, Ms, int.MaxValue));
        sim.Connect(a, b, LinkConditions.Perfect);

        sim.DriveBounded(() => receiver.Received.Count == 100, maxEvents: 1_000, maxTime: TimeSpan.FromSeconds(1));

        Assert.Equal(100, receiver.Received.Count);
    }

    [Fact]
    public void DriveBounded_EventBoundReached_FailsWithTheSeedInTheMessage()
    {
        var sim = new Simulator(seed: 1234);
        var b = sim.AddNode("b", new RecorderNode());
        var a = sim.AddNode("a", new PacerNode(n => SimTransmit.ToNode(b, Numbered(n)), Ms, Ms, int.MaxValue));
        sim.Connect(a, b, LinkConditions.Perfect);

        var failure = Assert.Throws<SimulationException>(() => sim.DriveBounded(() => false, maxEvents: 100));

        Assert.Equal(1234, failure.Seed);
        Assert.Contains("bound of 100 events", failure.Message, StringComparison.Ordinal);
        Assert.Contains("seed 1234", failure.Message, StringComparison.Ordinal);
        Assert.Contains("GRIDCAST_SIM_SEED=1234", failure.Message, StringComparison.Ordinal);
        Assert.Contains("deliver a -> b", failure.Message, StringComparison.Ordinal);
        Assert.Equal(100, sim.Counters.Events);
    }

    [Fact]
    public void DriveBounded_TimeBoundReached_FailsWithTheSeedInTheMessage()
    {
        var sim = new Simulator(seed: 99);
        var b = sim.AddNode("b", new RecorderNode());
        var a = sim.AddNode("a", new PacerNode(n => SimTransmit.ToNode(b, Numbered(n)), Ms, Ms, int.MaxValue));
        sim.Connect(a, b, LinkConditions.Perfect);

        var failure = Assert.Throws<SimulationException>(
            () => sim.DriveBounded(() => false, maxEvents: long.MaxValue, maxTime: 50 * Ms));

        Assert.Contains("of virtual time was reached", failure.Message, StringComparison.Ordinal);
        Assert.Contains("GRIDCAST_SIM_SEED=99", failure.Message, StringComparison.Ordinal);
        Assert.Equal(50 * Ms, sim.Now);
    }

    [Fact]
    public void DriveBounded_NetworkIdleFirst_FailsSayingSo()
    {
        var sim = new Simulator(seed: 5);
        var b = sim.AddNode("b", new RecorderNode());
        var a = sim.AddNode("a", new PacerNode(n => SimTransmit.ToNode(b, Numbered(n)), Ms, Ms, 3));
        sim.Connect(a, b, LinkConditions.Perfect);

        var failure = Assert.Throws<SimulationException>(() => sim.DriveBounded(() => false, maxEvents: 1_000));

        Assert.Contains("went idle", failure.Message, StringComparison.Ordinal);
        Assert.Contains("seed 5", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Drive_NodeRunningAway_FailsInsteadOfHanging()
    {
        var sim = new Simulator(seed: 16, new SimulatorOptions { RunawayEventLimit = 10_000 });
        var node = new AlarmNode { Deadline = Ms, Rearm = true };
        sim.AddNode("stuck", node);

        var failure = Assert.Throws<SimulationException>(sim.DriveToIdle);

        Assert.Contains("running away", failure.Message, StringComparison.Ordinal);
        Assert.Equal(10_000, sim.Counters.Events);
    }

    [Fact]
    public void Run_BodyFails_RethrowsWithSeedReplayHintAndTrace()
    {
        var failure = Assert.Throws<SimulationException>(() => Simulator.Run(77, sim =>
        {
            var receiver = new RecorderNode();
            var b = sim.AddNode("receiver", receiver);
            var a = sim.AddNode("sender", new PacerNode(n => SimTransmit.ToNode(b, Numbered(n)), Ms, Ms, 3));
            sim.Connect(a, b, LinkConditions.Perfect);
            sim.DriveToIdle();
            Assert.Equal(4, receiver.Received.Count);
        }));

        Assert.Equal(77, failure.Seed);
        Assert.IsType<Xunit.Sdk.EqualException>(failure.InnerException);
        Assert.Contains("GRIDCAST_SIM_SEED=77", failure.Message, StringComparison.Ordinal);
        Assert.Contains("deliver sender -> receiver", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_ManySeeds_StopsAtTheFirstFailingSeedAndNamesIt()
    {
        var ran = new List<int>();

        var failure = Assert.Throws<SimulationException>(() => Simulator.Run([3, 4, 5], sim =>
        {
            ran.Add(sim.Seed);
            Assert.NotEqual(4, sim.Seed);
        }));

        Assert.Equal([3, 4], ran);
        Assert.Equal(4, failure.Seed);
    }

    [Fact]
    public void Invariant_BrokenByAnEvent_FailsWithTheSeedAndTheInvariantName()
    {
        var sim = new Simulator(seed: 17);
        var receiver = new RecorderNode();
        var b = sim.AddNode("b", receiver);
        var a = sim.AddNode("a", new PacerNode(n => SimTransmit.ToNode(b, Numbered(n)), Ms, Ms, 10));
        sim.Connect(a, b, LinkConditions.Perfect);
        sim.AddInvariant("fewer than five received", () => Assert.True(receiver.Received.Count < 5));

        var failure = Assert.Throws<SimulationException>(sim.DriveToIdle);

        Assert.Contains("invariant 'fewer than five received'", failure.Message, StringComparison.Ordinal);
        Assert.Contains("seed 17", failure.Message, StringComparison.Ordinal);
        Assert.Equal(5, receiver.Received.Count);
    }

    [Fact]
    public void Schedule_InThePast_Throws()
    {
        var sim = new Simulator(seed: 18);
        sim.Drive(10 * Ms);

        Assert.Throws<ArgumentOutOfRangeException>(() => sim.Schedule(5 * Ms, "too late", () => { }));
    }

    [Theory]
    [InlineData(-1.0, 0.0)]
    [InlineData(1.5, 0.0)]
    [InlineData(0.0, double.NaN)]
    public void Connect_ProbabilityOutsideZeroToOne_Throws(double loss, double duplication)
    {
        var sim = new Simulator(seed: 19);
        var a = sim.AddNode("a", new RecorderNode());
        var b = sim.AddNode("b", new RecorderNode());

        Assert.Throws<ArgumentOutOfRangeException>(
            () => sim.Connect(a, b, new LinkConditions { LossProbability = loss, DuplicationProbability = duplication }));
    }

    [Fact]
    public void Connect_NegativeDelay_Throws()
    {
        var sim = new Simulator(seed: 20);
        var a = sim.AddNode("a", new RecorderNode());
        var b = sim.AddNode("b", new RecorderNode());

        Assert.Throws<ArgumentOutOfRangeException>(() => sim.Connect(a, b, new LinkConditions { Delay = -Ms }));
    }

    [Theory]
    [InlineData(null, new[] { 5, 6, 7 })]
    [InlineData("", new[] { 5, 6, 7 })]
    [InlineData("  ", new[] { 5, 6, 7 })]
    [InlineData("42", new[] { 42 })]
    [InlineData("42, -3,9", new[] { 42, -3, 9 })]
    public void SimulationSeed_Parse_ReplaysGivenSeedsOrRunsTheDefaultRange(string? value, int[] expected)
    {
        Assert.Equal(expected, SimulationSeed.Parse(value, count: 3, first: 5));
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("1,x")]
    [InlineData("99999999999")]
    [InlineData(",")]
    public void SimulationSeed_Parse_GarbageThrowsNamingTheVariable(string value)
    {
        var failure = Assert.Throws<FormatException>(() => SimulationSeed.Parse(value, count: 3));

        Assert.Contains(SimulationSeed.EnvironmentVariable, failure.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Ping traffic both ways over an impaired link plus a lossy domain, with a cut and a heal:
    /// every kind of random draw and event happens.
    /// </summary>
    private static (IReadOnlyList<SimTraceEntry> Entries, ulong Digest, List<(TimeSpan, NodeId, int)> Received) RunBusyScenario(int seed)
    {
        var sim = new Simulator(seed, new SimulatorOptions { TraceCapacity = 1_000_000 });
        var impaired = new LinkConditions
        {
            Delay = 3 * Ms,
            Jitter = 2 * Ms,
            LossProbability = 0.1,
            DuplicationProbability = 0.1,
            ReorderProbability = 0.1,
            ReorderDelay = 10 * Ms,
        };
        var echo = new RecorderNode { Echo = true };
        var b = sim.AddNode("echo", echo);
        var a = sim.AddNode("pinger", new PacerNode(n => SimTransmit.ToNode(b, Numbered(n)), Ms, Ms, 300));
        sim.Connect(a, b, impaired);

        var lan = sim.AddDomain("lan", impaired with { Delay = Ms });
        var listeners = Enumerable.Range(0, 3).Select(_ => new RecorderNode()).ToArray();
        foreach (var (listener, i) in listeners.Select((l, i) => (l, i)))
        {
            sim.Attach(lan, sim.AddNode($"listener{i}", listener));
        }

        var speaker = sim.AddNode("speaker", new PacerNode(n => SimTransmit.ToDomain(lan, Numbered(n)), Ms / 2, 2 * Ms, 150));
        sim.Attach(lan, speaker);
        sim.Schedule(100 * Ms, "cut pinger-echo", () => sim.Cut(a, b));
        sim.Schedule(150 * Ms, "heal pinger-echo", () => sim.Heal(a, b));

        sim.DriveToIdle();

        var received = echo.Received.Concat(listeners.SelectMany(l => l.Received)).Select(r => (r.At, r.From, r.Number)).ToList();
        return (sim.Trace.Retained, sim.Trace.Digest, received);
    }

    private static byte[] Numbered(int number)
    {
        var bytes = new byte[4 + (number % 7)];
        BinaryPrimitives.WriteInt32BigEndian(bytes, number);
        return bytes;
    }

    /// <summary>Records what it receives; sends what the test puts in its outbox; echoes back when asked to.</summary>
    private sealed class RecorderNode : ISimulatedNode
    {
        public bool Echo { get; init; }

        public Queue<SimTransmit> Outbox { get; } = new();

        public List<(TimeSpan At, NodeId From, int Number)> Received { get; } = [];

        public void HandleDatagram(TimeSpan now, NodeId from, ReadOnlyMemory<byte> datagram)
        {
            Received.Add((now, from, BinaryPrimitives.ReadInt32BigEndian(datagram.Span)));
            if (Echo)
            {
                Outbox.Enqueue(SimTransmit.ToNode(from, datagram.ToArray()));
            }
        }

        public void HandleTimeout(TimeSpan now)
        {
        }

        public bool TryPollTransmit(out SimTransmit transmit) => Outbox.TryDequeue(out transmit);

        public TimeSpan? PollTimeout() => null;
    }

    /// <summary>Sends <c>count</c> numbered datagrams, one every <c>interval</c> from <c>start</c>, driven by its timer.</summary>
    private sealed class PacerNode(Func<int, SimTransmit> make, TimeSpan start, TimeSpan interval, int count) : ISimulatedNode
    {
        private readonly Queue<SimTransmit> _outbox = new();
        private TimeSpan? _next = count > 0 ? start : null;

        public List<TimeSpan> SentAt { get; } = [];

        public void HandleDatagram(TimeSpan now, NodeId from, ReadOnlyMemory<byte> datagram)
        {
        }

        public void HandleTimeout(TimeSpan now)
        {
            if (_next is not { } due || now < due)
            {
                return;
            }

            _outbox.Enqueue(make(SentAt.Count));
            SentAt.Add(now);
            _next = SentAt.Count < count ? due + interval : null;
        }

        public bool TryPollTransmit(out SimTransmit transmit) => _outbox.TryDequeue(out transmit);

        public TimeSpan? PollTimeout() => _next;
    }

    /// <summary>A timer the test sets; records when it fires. With <c>Rearm</c> it asks again for the same deadline for ever.</summary>
    private sealed class AlarmNode : ISimulatedNode
    {
        public TimeSpan? Deadline { get; set; }

        public bool Rearm { get; init; }

        public List<TimeSpan> Fired { get; } = [];

        public void HandleDatagram(TimeSpan now, NodeId from, ReadOnlyMemory<byte> datagram)
        {
        }

        public void HandleTimeout(TimeSpan now)
        {
            Fired.Add(now);
            if (!Rearm)
            {
                Deadline = null;
            }
        }

        public bool TryPollTransmit(out SimTransmit transmit)
        {
            transmit = default;
            return false;
        }

        public TimeSpan? PollTimeout() => Deadline;
    }
}
