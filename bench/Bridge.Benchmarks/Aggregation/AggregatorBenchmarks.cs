using System.Text;
using BenchmarkDotNet.Attributes;
using Bridge.Multicast.Aggregation;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Overlay.Routing;
using Bridge.Multicast.Wire;

namespace Bridge.Benchmarks.Aggregation;

/// <summary>
/// What one gateway's <see cref="RequestAggregator"/> absorbs on one core (issue 11, "Speed"):
/// members' replies, as heard on its domain, and its children's partials, as they arrive over the
/// overlay. The state machine alone: no links, no sockets, one thread.
/// </summary>
/// <remarks>
/// <para>
/// Each invocation is one request on a fresh aggregator (a gateway with a parent, budget one hour
/// so that nothing finishes during the invocation, membership not known), fed a batch of real
/// encoded inputs with distinct senders, so that every one is folded in and none is dropped as a
/// duplicate. The batch is the operation count (<c>OperationsPerInvoke</c>), so a figure is per
/// reply or per partial, with the fresh aggregator's set-up and the growth of its set of
/// answered members spread over the batch, as they are in a real round.
/// </para>
/// <para>
/// Replies: the spec asks count, sum, min, max and a histogram of 4 bounds; values are readings
/// from 0 to 10,000 in steps of 0.25. <c>HandleReplyPayload</c> takes the ReplyCodec payload;
/// <c>ReplyFrame</c> first decodes the whole GridCast frame from its bytes, as a gateway does with
/// a datagram from its domain. Partials: 100,000 children (far more than a gateway has, so that
/// an invocation lasts long enough to time), each partial of 1,000 contributors with a 5-bucket
/// histogram, membership not known.
/// </para>
/// <para>After each invocation the result is checked (contributors, partials merged), so that no
/// figure silently measures a drop path. BenchmarkDotNet derives a runner from this class, so it
/// stays public and unsealed.</para>
/// </remarks>
[MemoryDiagnoser]
public class AggregatorBenchmarks
{
    private const int Replies = 400_000;
    private const int Children = 100_000;
    private const ulong RequestId = 0x5EED_0000_0000_0011;
    private const ulong ContributorsPerPartial = 1_000;

    private static readonly GroupName Group = GroupName.Parse("ham:sg:ami.meters");
    private static readonly GatewayId Parent = new("gw-parent");
    private static readonly TimeSpan Now = TimeSpan.FromSeconds(1);

    private static readonly AggregationSpec Spec = new()
    {
        Functions = AggregateFunctions.Count | AggregateFunctions.Sum | AggregateFunctions.Min | AggregateFunctions.Max | AggregateFunctions.Histogram,
        HistogramBounds = [1000, 2500, 5000, 7500],
    };

    private static readonly AggregationRequest Request = new(RequestId, Spec, TimeSpan.FromHours(1));

    private byte[][] _replyPayloads = [];
    private byte[][] _replyFrames = [];
    private byte[][] _partialPayloads = [];
    private GatewayId[] _children = [];
    private RequestAggregator _aggregator = null!;

    [GlobalSetup]
    public void Setup()
    {
        var groupWire = Encoding.UTF8.GetBytes(Group.WireName);
        var random = new Random(11);
        _replyPayloads = new byte[Replies][];
        _replyFrames = new byte[Replies][];
        for (var i = 0; i < Replies; i++)
        {
            var memberId = 1_000_000UL + (ulong)i;
            var payload = ReplyCodec.Encode(new Reply(RequestId, memberId, random.Next(40_000) / 4.0));
            _replyPayloads[i] = payload;
            var frame = new GridCastFrame
            {
                Type = FrameType.Reply,
                ContentType = ContentType.Raw,
                Group = groupWire,
                SourceId = memberId,
                Sequence = 1,
                TimestampMicroseconds = 1_700_000_000_000_000,
                Payload = payload,
            };
            _replyFrames[i] = new byte[FrameCodec.GetEncodedSize(frame)];
            FrameCodec.Encode(frame, _replyFrames[i]);
        }

        // 1,000 distinct partials, sent by the children in turn: what is measured is the merge,
        // and building a partial of 1,000 replies for every one of 100,000 children would only
        // slow the set-up.
        var distinct = new byte[1_000][];
        for (var p = 0; p < distinct.Length; p++)
        {
            var accumulator = new AggregateAccumulator(Spec);

            // As a gateway's partial when membership is not learnt: its members are unknown.
            accumulator.AddMembers(0, known: false);
            for (var k = 0UL; k < ContributorsPerPartial; k++)
            {
                accumulator.Add(new Reply(RequestId, ((ulong)p << 20) + k + 1, random.Next(40_000) / 4.0));
            }

            distinct[p] = PartialAggregateCodec.Encode(accumulator.ToPartial(RequestId));
        }

        _children = new GatewayId[Children];
        _partialPayloads = new byte[Children][];
        for (var c = 0; c < Children; c++)
        {
            _children[c] = new GatewayId("gw-child-" + c.ToString("D6", System.Globalization.CultureInfo.InvariantCulture));
            _partialPayloads[c] = distinct[c % distinct.Length];
        }
    }

    [IterationSetup(Targets = [nameof(HandleReplyPayload), nameof(ReplyFrame)])]
    public void StartReplyRound() => _aggregator = Start([]);

    [IterationSetup(Target = nameof(HandlePartialPayload))]
    public void StartPartialRound() => _aggregator = Start(_children);

    /// <summary>One member's reply payload folded into the gateway's request.</summary>
    [Benchmark(OperationsPerInvoke = Replies)]
    public ulong HandleReplyPayload()
    {
        var aggregator = _aggregator;
        foreach (var payload in _replyPayloads)
        {
            aggregator.HandleReplyPayload(Now, payload);
        }

        return Check(aggregator.Counters.RepliesAccepted, Replies);
    }

    /// <summary>One Reply datagram from the domain: the GridCast frame decoded, then its payload folded in.</summary>
    [Benchmark(OperationsPerInvoke = Replies)]
    public ulong ReplyFrame()
    {
        var aggregator = _aggregator;
        foreach (var datagram in _replyFrames)
        {
            if (FrameCodec.TryDecodeDatagram(datagram, out var frame, out _) && frame.Type == FrameType.Reply)
            {
                aggregator.HandleReplyPayload(Now, frame.Payload.Span);
            }
        }

        return Check(aggregator.Counters.RepliesAccepted, Replies);
    }

    /// <summary>One child's partial payload (1,000 contributors, 5 buckets) merged.</summary>
    [Benchmark(OperationsPerInvoke = Children)]
    public ulong HandlePartialPayload()
    {
        var aggregator = _aggregator;
        for (var c = 0; c < Children; c++)
        {
            aggregator.HandlePartialPayload(Now, _children[c], _partialPayloads[c]);
        }

        return Check(aggregator.Counters.PartialsAccepted, Children);
    }

    private static RequestAggregator Start(IReadOnlyCollection<GatewayId> children)
    {
        // A fresh aggregator per invocation: each round starts empty, as a new request does.
        var aggregator = new RequestAggregator(new AggregatorOptions());
        if (!aggregator.HandleRequest(Now, Request, Parent, children, knownMembers: null))
        {
            throw new InvalidOperationException("the request was refused");
        }

        while (aggregator.TryPollForward(out _))
        {
        }

        return aggregator;
    }

    private static ulong Check(long accepted, int expected)
        => accepted == expected
            ? (ulong)accepted
            : throw new InvalidOperationException($"{accepted} of {expected} inputs were folded in; the benchmark measured a drop path");
}
