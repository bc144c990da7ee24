using System.Text;
using Bridge.Multicast.Endpoint;
using Bridge.Multicast.Fragmentation;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Wire;
using Bridge.Simulation;
using Bridge.Simulation.Nodes;

namespace Bridge.Multicast.Tests.Simulation;

/// <summary>
/// <see cref="GroupEndpoint"/> fragmentation, reassembly and duplicate suppression on a simulated
/// LAN that loses, duplicates, delays and reorders datagrams, over many seeds. A failure names its
/// seed; <c>GRIDCAST_SIM_SEED=n</c> replays it.
/// </summary>
/// <remarks>
/// Each receiver is checked against a model kept from what is observable: the datagrams the
/// network delivered to it and the events it raised, compared after every simulator event. A
/// message is in reassembly from the arrival of its first fragment until the endpoint delivers
/// it or reports it lost, once; after that its stragglers start nothing. After every event the
/// model's reassembly set must be exactly what the endpoint says it holds (messages and bytes),
/// the endpoint's real numbers must be within the bounds, and at the end the set must be empty.
/// </remarks>
public sealed class FragmentationSimulationTests
{
    private const ulong SenderId = 0x5EED_0000_0000_0001;
    private const int AtomicMessageSize = 256;
    private const long FirstTimestamp = 1_700_000_000_000_000;

    private static readonly TimeSpan Ms = TimeSpan.FromMilliseconds(1);
    private static readonly GroupName Group = GroupName.Parse("ham:ip:239.192.0.7:5000");

    /// <summary>Payload bytes in one fragment for <see cref="Group"/> at <see cref="AtomicMessageSize"/>.</summary>
    private static readonly int FragmentCapacity =
        MessageFragmenter.GetFragmentCapacity(AtomicMessageSize, Encoding.UTF8.GetByteCount(Group.WireName));

    private static readonly LinkConditions ImpairedLan = new()
    {
        Delay = Ms,
        Jitter = 3 * Ms,
        LossProbability = 0.03,
        DuplicationProbability = 0.1,
        ReorderProbability = 0.1,
        ReorderDelay = 30 * Ms,
    };

    [Fact]
    public void ImpairedLan_AmpleBounds_EveryWholeMessageDeliveredOnceIntact_EveryPartialOneReportedLostAfterTimeout()
    {
        var totals = new Totals();
        var reassembly = new ReassemblyOptions
        {
            MaxBufferedBytes = 1 << 20,
            MaxPendingMessages = 256,
            Timeout = 200 * Ms,
        };

        Simulator.Run(SimulationSeed.Seeds(200), sim =>
        {
            var run = Scenario.Start(sim, reassembly, receivers: 4);
            for (var i = 0; i < 40; i++)
            {
                run.ScheduleSend(at: (2 * i + 1) * Ms, size: DrawSize(sim.Random, maxFragments: 16));
            }

            run.DriveToEnd();

            foreach (var receiver in run.Receivers)
            {
                receiver.AssertNothingLeftInReassembly();
                Assert.Equal(0, receiver.Node.Endpoint.Counters.Reassembly.Evicted);
                foreach (var message in run.Messages)
                {
                    var fate = receiver.FateOf(message);
                    var what = $"{receiver.Name}, message {message.Sequence} ({message.FragmentCount} fragment(s), {fate.DistinctFragments} arrived)";
                    if (fate.DistinctFragments == message.FragmentCount)
                    {
                        Assert.True(fate.Deliveries == 1, $"{what}: every fragment arrived, so it must be delivered exactly once, was {fate.Deliveries} time(s)");
                        Assert.True(fate.Losses.Count == 0, $"{what}: delivered, yet reported lost ({string.Join(", ", fate.Losses)})");
                    }
                    else
                    {
                        Assert.True(fate.Deliveries == 0, $"{what}: delivered without all its fragments");
                        Assert.True(
                            fate.DistinctFragments == 0 ? fate.Losses.Count == 0 : fate.Losses is [MessageLost.ReasonExpired],
                            $"{what}: partly arrived, so it must be reported lost once, as expired, was reported [{string.Join(", ", fate.Losses)}]");
                    }
                }
            }

            totals.Add(run);
        });

        // The seeds together must have exercised every path the test is about.
        Assert.True(totals.Delivered > 0, "no message was delivered");
        Assert.True(totals.ReportedLost > 0, "no partial message was reported lost: the scenario loses too little");
        Assert.True(totals.DuplicateFrames > 0, "no duplicate was suppressed: the scenario duplicates too little");
        Assert.True(totals.MultiFragmentDelivered > 0, "no fragmented message was delivered");
    }

    [Fact]
    public void ImpairedLan_TightBounds_MemoryStaysBounded_NoMessageDeliveredTwiceOrCorrupt_EachLossReportedOnce()
    {
        var totals = new Totals();
        var reassembly = new ReassemblyOptions
        {
            MaxBufferedBytes = 6_000,
            MaxPendingMessages = 3,
            Timeout = 100 * Ms,
        };

        Simulator.Run(SimulationSeed.Seeds(100, first: 1001), sim =>
        {
            var run = Scenario.Start(sim, reassembly, receivers: 3);

            // Bursts of several large messages at the same instant, so their fragments interleave
            // and reassembly runs out of room; in every other burst, one message is longer than
            // all the room there is.
            for (var burst = 0; burst < 5; burst++)
            {
                var oversize = burst % 2 == 0 ? sim.Random.Next(6) : -1;
                for (var i = 0; i < 6; i++)
                {
                    var size = i == oversize
                        ? sim.Random.Next((int)reassembly.MaxBufferedBytes + 1, (int)reassembly.MaxBufferedBytes + (4 * FragmentCapacity))
                        : DrawSize(sim.Random, maxFragments: 24);
                    run.ScheduleSend(at: burst * 50 * Ms, size: size);
                }
            }

            run.DriveToEnd();

            foreach (var receiver in run.Receivers)
            {
                receiver.AssertNothingLeftInReassembly();
                foreach (var message in run.Messages)
                {
                    var fate = receiver.FateOf(message);
                    var what = $"{receiver.Name}, message {message.Sequence} ({message.FragmentCount} fragment(s), {fate.DistinctFragments} arrived)";
                    var losses = $"[{string.Join(", ", fate.Losses)}]";
                    Assert.True(fate.Deliveries <= 1, $"{what}: delivered {fate.Deliveries} times");
                    if (message.Payload.Length > reassembly.MaxBufferedBytes)
                    {
                        Assert.True(fate.Deliveries == 0, $"{what}: delivered though longer than the reassembly bound");
                        Assert.True(
                            fate.DistinctFragments == 0 ? fate.Losses.Count == 0 : fate.Losses is [MessageLost.ReasonTooLarge],
                            $"{what}: longer than the reassembly bound, so it must be reported lost once, as too large, was reported {losses}");
                    }
                    else if (message.FragmentCount > 1 && fate.DistinctFragments > 0 && fate.Deliveries == 0)
                    {
                        Assert.True(fate.Losses.Count == 1, $"{what}: partly arrived and not delivered, so it must be reported lost once, was reported {losses}");
                    }
                    else
                    {
                        Assert.True(fate.Losses.Count == 0, $"{what}: reported lost {losses}, though delivered or never started");
                    }
                }
            }

            totals.Add(run);
        });

        Assert.True(totals.Evicted > 0, "reassembly never ran out of room: the bounds are not exercised");
        Assert.True(totals.TooLarge > 0, "no message too large for reassembly was reported");
        Assert.True(totals.LateFragments > 0, "no fragment arrived after its message ended: stragglers are not exercised");
        Assert.True(totals.Delivered > 0, "no message was delivered");
    }

    [Fact]
    public void ReceiverIsolatedMidMessage_ReportsItLostAfterTheTimeout_ThenDeliversWhatFollows()
    {
        var reassembly = new ReassemblyOptions { Timeout = 150 * Ms };

        Simulator.Run(SimulationSeed.Seeds(50, first: 2001), sim =>
        {
            // No loss: only the isolation keeps fragments away. The jitter spreads the 20
            // fragments of a message over 10 ms, so an isolation 4 ms in cuts one in two.
            var run = Scenario.Start(sim, reassembly, receivers: 2, conditions: new LinkConditions { Delay = Ms, Jitter = 10 * Ms });
            var cutOff = run.Receivers[0];
            run.ScheduleSend(at: 10 * Ms, size: 20 * FragmentCapacity);
            run.ScheduleSend(at: 500 * Ms, size: 20 * FragmentCapacity);
            sim.Schedule(15 * Ms, "isolate receiver0", () => sim.Isolate(cutOff.Id));
            sim.Schedule(300 * Ms, "rejoin receiver0", () => sim.Rejoin(cutOff.Id));

            run.DriveToEnd();

            var partial = cutOff.FateOf(run.Messages[0]);
            Assert.InRange(partial.DistinctFragments, 1, 19);
            Assert.Equal(0, partial.Deliveries);
            Assert.Equal([MessageLost.ReasonExpired], partial.Losses);
            Assert.Equal(1, cutOff.FateOf(run.Messages[1]).Deliveries);
            Assert.All(run.Messages, m => Assert.Equal(1, run.Receivers[1].FateOf(m).Deliveries));
        });
    }

    /// <summary>A message size: a quarter fit one datagram, the rest need 2 to <paramref name="maxFragments"/> fragments.</summary>
    private static int DrawSize(Random random, int maxFragments)
        => random.Next(4) == 0
            ? random.Next(1, FragmentCapacity + 1)
            : random.Next(FragmentCapacity + 1, (maxFragments * FragmentCapacity) + 1);

    /// <summary>Sums over seeds, to check that the scenario exercised what the test is about.</summary>
    private sealed class Totals
    {
        public long Delivered { get; private set; }

        public long MultiFragmentDelivered { get; private set; }

        public long ReportedLost { get; private set; }

        public long DuplicateFrames { get; private set; }

        public long Evicted { get; private set; }

        public long TooLarge { get; private set; }

        public long LateFragments { get; private set; }

        public void Add(Scenario run)
        {
            foreach (var receiver in run.Receivers)
            {
                var counters = receiver.Node.Endpoint.Counters;
                Delivered += counters.MessagesReceived;
                ReportedLost += counters.MessagesLost;
                DuplicateFrames += counters.Duplicates + counters.Reassembly.DuplicateFragments;
                Evicted += counters.Reassembly.Evicted;
                TooLarge += counters.Reassembly.Refused;
                LateFragments += counters.Reassembly.LateFragments;
                MultiFragmentDelivered += run.Messages.Count(m => m.FragmentCount > 1 && receiver.FateOf(m).Deliveries == 1);
            }
        }
    }

    /// <summary>A message the sender sent: its sequence number, bytes and fragment count.</summary>
    private sealed record SentMessage(ulong Sequence, byte[] Payload, int FragmentCount);

    /// <summary>What became of one message at one receiver.</summary>
    private sealed record Fate(int DistinctFragments, int Deliveries, IReadOnlyList<string> Losses);

    /// <summary>One sender and several receivers of <see cref="Group"/> on one impaired domain.</summary>
    private sealed class Scenario
    {
        private readonly Simulator _sim;
        private readonly GroupEndpointNode _sender;
        private readonly NodeId _senderId;
        private readonly List<byte[]> _payloads = [];
        private readonly List<SentMessage> _messages = [];

        private Scenario(Simulator sim, GroupEndpointNode sender, NodeId senderId, IReadOnlyList<ReceiverModel> receivers)
        {
            _sim = sim;
            _sender = sender;
            _senderId = senderId;
            Receivers = receivers;
        }

        public IReadOnlyList<ReceiverModel> Receivers { get; }

        /// <summary>The messages sent, by sequence number from 1; known once <see cref="DriveToEnd"/> has run.</summary>
        public List<SentMessage> Messages => _messages;

        public static Scenario Start(Simulator sim, ReassemblyOptions reassembly, int receivers, LinkConditions? conditions = null)
        {
            var lan = sim.AddDomain("lan", conditions ?? ImpairedLan);
            var sender = new GroupEndpointNode(
                new GroupEndpoint(new GroupEndpointOptions { SourceId = SenderId, AtomicMessageSize = AtomicMessageSize }),
                lan)
            {
                RecordDatagrams = true,
            };
            var senderId = sim.AddNode("sender", sender);
            sim.Attach(lan, senderId);

            var models = new List<ReceiverModel>();
            for (var i = 0; i < receivers; i++)
            {
                var endpoint = new GroupEndpoint(new GroupEndpointOptions
                {
                    SourceId = (ulong)i + 1,
                    AtomicMessageSize = AtomicMessageSize,
                    Reassembly = reassembly,
                });
                endpoint.Join(Group);
                var node = new GroupEndpointNode(endpoint, lan) { RecordDatagrams = true };
                var name = $"receiver{i}";
                var id = sim.AddNode(name, node);
                sim.Attach(lan, id);
                var model = new ReceiverModel(name, id, node, reassembly);
                models.Add(model);
            }

            var scenario = new Scenario(sim, sender, senderId, models);
            sim.AddInvariant("receivers agree with their model; reassembly within bounds", scenario.CheckReceivers);
            return scenario;
        }

        /// <summary>Sends a message of <paramref name="size"/> random bytes at <paramref name="at"/>.</summary>
        public void ScheduleSend(TimeSpan at, int size)
        {
            var payload = new byte[size];
            _sim.Random.NextBytes(payload);
            var index = _payloads.Count;
            _payloads.Add(payload);
            _sim.Schedule(at, _senderId, $"send message {index + 1} ({size} bytes)", now =>
                _sender.Send(now, FirstTimestamp + index, Group, payload, ContentType.Raw));
        }

        /// <summary>Runs until nothing is left to happen, then works out what was sent.</summary>
        public void DriveToEnd()
        {
            _sim.DriveBounded(() => _sim.IsIdle, maxEvents: 2_000_000, maxTime: TimeSpan.FromMinutes(1));

            // Messages are numbered per group from 1, in the order sent.
            var fragments = _sender.DatagramsSent
                .Select(d => Decode(d.Datagram))
                .GroupBy(f => f.Sequence)
                .ToDictionary(g => g.Key, g => g.ToList());
            Assert.Equal(_payloads.Count, fragments.Count);
            for (var i = 0; i < _payloads.Count; i++)
            {
                var sequence = (ulong)i + 1;
                var sent = fragments[sequence];
                Assert.Equal(sent[0].FragmentCount, sent.Count);
                Assert.Equal((uint)_payloads[i].Length, sent[0].MessageLength);
                _messages.Add(new SentMessage(sequence, _payloads[i], sent.Count));
            }

            foreach (var receiver in Receivers)
            {
                receiver.CheckAgainst(_payloads);
            }
        }

        private void CheckReceivers()
        {
            foreach (var receiver in Receivers)
            {
                receiver.Advance(_sim.Now, _payloads);
            }
        }
    }

    /// <summary>
    /// What a receiver is doing, seen from outside: the fragments it has been given, the messages
    /// it holds in reassembly, delivered and reported lost.
    /// </summary>
    /// <remarks>
    /// The model relies on every straggler of an ended message arriving within the reassembly
    /// timeout of its end, and on fewer messages ending meanwhile than the reassembler remembers,
    /// which the scenarios' delays and sizes guarantee; a message that started again would break it.
    /// </remarks>
    private sealed class ReceiverModel(string name, NodeId id, GroupEndpointNode node, ReassemblyOptions bounds)
    {
        private readonly Dictionary<ulong, (TimeSpan Since, long Length)> _reassembling = [];
        private readonly HashSet<ulong> _ended = [];
        private readonly Dictionary<ulong, HashSet<int>> _arrived = [];
        private readonly Dictionary<ulong, int> _deliveries = [];
        private readonly Dictionary<ulong, List<string>> _losses = [];
        private int _datagramsSeen;
        private int _eventsSeen;

        public string Name { get; } = name;

        public NodeId Id { get; } = id;

        public GroupEndpointNode Node { get; } = node;

        public Fate FateOf(SentMessage message) => new(
            _arrived.TryGetValue(message.Sequence, out var fragments) ? fragments.Count : 0,
            _deliveries.GetValueOrDefault(message.Sequence),
            _losses.TryGetValue(message.Sequence, out var losses) ? losses : []);

        public void AssertNothingLeftInReassembly()
            => Assert.True(
                _reassembling.Count == 0,
                $"{Name}: message(s) {string.Join(", ", _reassembling.Keys)} started reassembly and were neither delivered nor reported lost");

        /// <summary>Takes in what happened at this receiver in the last simulator event.</summary>
        public void Advance(TimeSpan now, List<byte[]> payloads)
        {
            // One event gives a node at most one input, so the datagram it received, if any,
            // came before the events it raised.
            for (; _datagramsSeen < Node.DatagramsReceived.Count; _datagramsSeen++)
            {
                var frame = Decode(Node.DatagramsReceived[_datagramsSeen].Datagram);
                if (!_arrived.TryGetValue(frame.Sequence, out var fragments))
                {
                    _arrived[frame.Sequence] = fragments = [];
                }

                fragments.Add(frame.FragmentIndex);
                if (frame.FragmentCount > 1 && !_ended.Contains(frame.Sequence))
                {
                    _reassembling.TryAdd(frame.Sequence, (now, frame.MessageLength));
                }
            }

            for (; _eventsSeen < Node.Events.Count; _eventsSeen++)
            {
                var (at, e) = Node.Events[_eventsSeen];
                switch (e)
                {
                    case MessageReceived { Message: var m }:
                        var count = _deliveries[m.Sequence] = _deliveries.GetValueOrDefault(m.Sequence) + 1;
                        Assert.True(count == 1, $"{Name}: message {m.Sequence} delivered {count} times");
                        Assert.Equal(Group, m.Group);
                        Assert.Equal(SenderId, m.SourceId);
                        Assert.Equal(ContentType.Raw, m.ContentType);
                        Assert.InRange(m.Sequence, 1UL, (ulong)payloads.Count);
                        Assert.True(
                            m.Payload.Span.SequenceEqual(payloads[(int)m.Sequence - 1]),
                            $"{Name}: message {m.Sequence} delivered with {m.Payload.Length} bytes that differ from the {payloads[(int)m.Sequence - 1].Length} sent");
                        _reassembling.Remove(m.Sequence);
                        _ended.Add(m.Sequence);
                        break;
                    case MessageLost lost:
                        Assert.Equal(SenderId, lost.SourceId);
                        Assert.False(_deliveries.ContainsKey(lost.Sequence), $"{Name}: message {lost.Sequence} reported lost ({lost.Reason}) after it was delivered");
                        Assert.False(
                            _losses.TryGetValue(lost.Sequence, out var earlier),
                            $"{Name}: message {lost.Sequence} reported lost ({lost.Reason}) again, after [{string.Join(", ", earlier ?? [])}]");
                        Assert.True(
                            _reassembling.Remove(lost.Sequence, out var started),
                            $"{Name}: message {lost.Sequence} reported lost ({lost.Reason}) though none of its fragments was waiting");
                        switch (lost.Reason)
                        {
                            case MessageLost.ReasonExpired:
                                Assert.Equal(started.Since + bounds.Timeout, at);
                                break;
                            case MessageLost.ReasonEvicted:
                                Assert.True(at < started.Since + bounds.Timeout, $"{Name}: message {lost.Sequence} evicted after its deadline");
                                break;
                            case MessageLost.ReasonTooLarge:
                                Assert.True(started.Length > bounds.MaxBufferedBytes, $"{Name}: message {lost.Sequence} of {started.Length} bytes reported too large");
                                Assert.Equal(started.Since, at);
                                break;
                            default:
                                Assert.Fail($"{Name}: message {lost.Sequence} reported lost as {lost.Reason}, which the simulated network cannot cause");
                                break;
                        }

                        _ended.Add(lost.Sequence);
                        _losses[lost.Sequence] = [lost.Reason];
                        break;
                    case FrameRejected rejected:
                        Assert.Fail($"{Name}: a datagram of the simulated network was rejected ({rejected.Reason})");
                        break;
                }
            }

            // The endpoint's own numbers, against the bounds and against the model.
            var held = Node.Endpoint.Counters.Reassembly;
            Assert.True(
                held.PendingMessages <= bounds.MaxPendingMessages,
                $"{Name}: {held.PendingMessages} messages in reassembly, more than the bound of {bounds.MaxPendingMessages}");
            Assert.True(
                held.BufferedBytes <= bounds.MaxBufferedBytes,
                $"{Name}: {held.BufferedBytes} bytes in reassembly, more than the bound of {bounds.MaxBufferedBytes}");
            Assert.True(
                held.RememberedMessages <= bounds.MaxRememberedMessages,
                $"{Name}: {held.RememberedMessages} ended messages remembered, more than the bound of {bounds.MaxRememberedMessages}");
            var buffered = _reassembling.Values.Sum(r => r.Length);
            Assert.True(
                held.PendingMessages == _reassembling.Count && held.BufferedBytes == buffered,
                $"{Name}: reassembly holds {held.PendingMessages} message(s) of {held.BufferedBytes} bytes, the model {_reassembling.Count} ({string.Join(", ", _reassembling.Keys)}) of {buffered}");
        }

        /// <summary>The endpoint's own counts agree with the events it raised.</summary>
        public void CheckAgainst(List<byte[]> payloads)
        {
            var counters = Node.Endpoint.Counters;
            Assert.Equal(_deliveries.Values.Sum(), counters.MessagesReceived);
            Assert.Equal(_losses.Values.Sum(l => l.Count), counters.MessagesLost);
            var reassembly = counters.Reassembly;
            Assert.Equal(counters.MessagesLost, reassembly.Expired + reassembly.Evicted + reassembly.Refused + reassembly.InconsistentFragments);
            Assert.Equal(_losses.Values.Count(l => l is [MessageLost.ReasonTooLarge]), reassembly.Refused);
            Assert.Equal(0, reassembly.InconsistentFragments);
            Assert.Equal(0, counters.RejectedTotal);
            Assert.True(_deliveries.Keys.All(s => s >= 1 && s <= (ulong)payloads.Count));
            Assert.Single(Node.Events, e => e.Event is NewSource);
        }
    }

    private static GridCastFrame Decode(byte[] datagram)
    {
        Assert.True(FrameCodec.TryDecodeDatagram(datagram, out var frame, out var error), $"undecodable datagram: {error}");
        return frame;
    }
}
