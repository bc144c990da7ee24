using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Bridge.Multicast.Aggregation;
using Bridge.Multicast.Endpoint;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Wire;

namespace Bridge.Multicast.Tests.Endpoint;

/// <summary>
/// <see cref="GroupEndpoint"/> carrying the reverse channel: Request frames to joined members,
/// Reply frames to members and to a source that listens without joining, in a sequence apart
/// from data; malformed payloads counted under the codec's reason.
/// </summary>
public sealed class GroupEndpointReverseChannelTests
{
    private const long Timestamp = 1_700_000_000_000_000;
    private static readonly GroupName Meters = GroupName.Parse("ham:ip:239.192.0.9:5000");
    private static readonly TimeSpan T0 = TimeSpan.FromSeconds(10);
    private static readonly AggregationRequest Reading = new(
        0xA11CE, new AggregationSpec { Functions = AggregateFunctions.Sum | AggregateFunctions.Count | AggregateFunctions.Histogram, HistogramBounds = [0, 1, 5] }, TimeSpan.FromMilliseconds(1500));

    private readonly GroupEndpoint _source = new(new GroupEndpointOptions { SourceId = 0x5E4D });
    private readonly GroupEndpoint _member = new(new GroupEndpointOptions { SourceId = 0x7EC5 });

    [Fact]
    public void SendRequest_JoinedMember_RaisesRequestReceivedWithTheRequest()
    {
        _member.Join(Meters);

        _source.SendRequest(T0, Timestamp, Meters, Reading);
        Deliver(_source, _member);

        var received = Assert.IsType<RequestReceived>(Assert.Single(Events(_member)));
        Assert.Equal(Meters, received.Group);
        Assert.Equal(0x5E4DUL, received.SourceId);
        Assert.Equal(Reading.RequestId, received.Request.RequestId);
        Assert.Equal(Reading.Budget, received.Request.Budget);
        Assert.Equal(Reading.Spec.Functions, received.Request.Spec.Functions);
        Assert.Equal([0.0, 1, 5], received.Request.Spec.HistogramBounds);
        Assert.Equal((1L, 1L), (_source.Counters.RequestsSent, _member.Counters.RequestsReceived));
    }

    [Fact]
    public void SendRequest_HeardTwice_IsDeliveredOnceAndCountedDuplicate()
    {
        _member.Join(Meters);
        _source.SendRequest(T0, Timestamp, Meters, Reading);
        var datagram = Assert.Single(Transmits(_source)).Datagram;

        _member.HandleDatagram(T0, datagram);
        _member.HandleDatagram(T0, datagram);

        Assert.Single(Events(_member).OfType<RequestReceived>());
        Assert.Equal(1, _member.Counters.Duplicates);
    }

    [Fact]
    public void SendRequest_BetweenDataMessages_LeavesTheDataSequenceWithoutGaps()
    {
        _source.Send(T0, Timestamp, Meters, "a"u8.ToArray(), ContentType.Raw);
        _source.SendRequest(T0, Timestamp, Meters, Reading);
        _source.SendReply(T0, Timestamp, Meters, new Reply(7, 0x5E4D, 1.5));
        _source.Send(T0, Timestamp, Meters, "b"u8.ToArray(), ContentType.Raw);

        var frames = Transmits(_source).Select(t => Decode(t.Datagram)).Select(f => (f.Type, f.Sequence));

        Assert.Equal([(FrameType.Data, 1UL), (FrameType.Request, 1UL), (FrameType.Reply, 2UL), (FrameType.Data, 2UL)], frames);
        Assert.Equal(2, _source.Counters.MessagesSent);
        Assert.Equal(4, _source.Counters.FramesSent);
    }

    [Fact]
    public void HandleDatagram_RequestForGroupNotJoined_IsCountedNotJoined()
    {
        _source.SendRequest(T0, Timestamp, Meters, Reading);
        Deliver(_source, _member);

        Assert.Empty(Events(_member));
        Assert.Equal(1, _member.Counters.NotJoined);
    }

    [Fact]
    public void SendReply_SourceListeningWithoutJoining_RaisesReplyReceived()
    {
        Assert.True(_source.ListenForReplies(Meters));

        _member.SendReply(T0, Timestamp, Meters, new Reply(Reading.RequestId, 0x7EC5, 4.25, "ok"u8.ToArray()));
        Deliver(_member, _source);

        var received = Assert.IsType<ReplyReceived>(Assert.Single(Events(_source)));
        Assert.Equal((Meters, 0x7EC5UL), (received.Group, received.SourceId));
        Assert.Equal((Reading.RequestId, 0x7EC5UL, 4.25), (received.Reply.RequestId, received.Reply.MemberId, received.Reply.Value));
        Assert.Equal("ok"u8.ToArray(), received.Reply.Data.ToArray());
        Assert.Empty(_source.JoinedGroups);
        Assert.Equal((1L, 1L), (_member.Counters.RepliesSent, _source.Counters.RepliesReceived));
    }

    [Fact]
    public void StopListeningForReplies_AfterAsManyAsListens_RepliesAreNoLongerHeard()
    {
        _source.ListenForReplies(Meters);
        Assert.False(_source.ListenForReplies(Meters));

        Assert.False(_source.StopListeningForReplies(Meters));
        _member.SendReply(T0, Timestamp, Meters, new Reply(1, 0x7EC5, 1));
        Deliver(_member, _source);
        Assert.True(_source.StopListeningForReplies(Meters));
        _member.SendReply(T0, Timestamp, Meters, new Reply(2, 0x7EC5, 1));
        Deliver(_member, _source);

        Assert.Equal([1UL], Events(_source).OfType<ReplyReceived>().Select(r => r.Reply.RequestId));
        Assert.False(_source.IsListeningForReplies(Meters));
        Assert.Equal(1, _source.Counters.NotJoined);
    }

    [Fact]
    public void HandleDatagram_RequestToNonMember_IsNotDeliveredEvenWhileListeningForReplies()
    {
        _member.ListenForReplies(Meters);

        _source.SendRequest(T0, Timestamp, Meters, Reading);
        Deliver(_source, _member);

        Assert.Empty(Events(_member));
        Assert.Equal(1, _member.Counters.NotJoined);
    }

    public static TheoryData<FrameType, byte[], AggregationError> MalformedPayloads()
    {
        var reply = ReplyCodec.Encode(new Reply(1, 2, 3));
        var nan = (byte[])reply.Clone();
        BinaryPrimitives.WriteDoubleBigEndian(nan.AsSpan(18), double.NaN);
        var version = (byte[])reply.Clone();
        version[0] = 2;
        var request = AggregationRequestCodec.Encode(Reading);
        var nothingAsked = AggregationRequestCodec.Encode(Reading with { Spec = new AggregationSpec() });
        nothingAsked[2] = 0;
        var noBudget = AggregationRequestCodec.Encode(Reading with { Spec = new AggregationSpec() });
        BinaryPrimitives.WriteUInt32BigEndian(noBudget.AsSpan(12), 0);
        return new()
        {
            { FrameType.Reply, reply[..20], AggregationError.Truncated },
            { FrameType.Reply, [.. reply, 0], AggregationError.TrailingBytes },
            { FrameType.Reply, version, AggregationError.UnsupportedVersion },
            { FrameType.Reply, nan, AggregationError.NonFiniteValue },
            { FrameType.Request, request[..10], AggregationError.Truncated },
            { FrameType.Request, nothingAsked, AggregationError.NoFunctions },
            { FrameType.Request, noBudget, AggregationError.BadBudget },
        };
    }

    [Theory]
    [MemberData(nameof(MalformedPayloads))]
    public void HandleDatagram_MalformedPayload_IsDroppedAndCountedUnderTheCodecReason(FrameType type, byte[] payload, AggregationError expected)
    {
        _member.Join(Meters);

        _member.HandleDatagram(T0, Frame(type, sequence: 1, payload));

        Assert.Equal(new PayloadRejected(Meters, 0x5E4D, type, expected), Assert.Single(Events(_member)));
        Assert.Equal(1, _member.Counters.PayloadRejected(expected));
        Assert.Equal(1, _member.Counters.PayloadRejectedTotal);
        Assert.Equal(0, _member.Counters.RequestsReceived + _member.Counters.RepliesReceived);
    }

    [Fact]
    public void HandleDatagram_MalformedRequestThenValid_TheValidOneIsDelivered()
    {
        _member.Join(Meters);

        _member.HandleDatagram(T0, Frame(FrameType.Request, sequence: 1, [1, 2, 3]));
        _member.HandleDatagram(T0, Frame(FrameType.Request, sequence: 2, AggregationRequestCodec.Encode(Reading)));

        var events = Events(_member);
        Assert.IsType<PayloadRejected>(events[0]);
        Assert.Equal(Reading.RequestId, Assert.IsType<RequestReceived>(events[1]).Request.RequestId);
    }

    [Fact]
    public void HandleDatagram_FragmentedRequest_IsCountedUnsupported()
    {
        _member.Join(Meters);
        var writer = new ArrayBufferWriter<byte>();
        FrameCodec.Encode(
            new GridCastFrame
            {
                Type = FrameType.Request,
                Group = Encoding.UTF8.GetBytes(Meters.WireName),
                SourceId = 0x5E4D,
                Sequence = 1,
                TimestampMicroseconds = Timestamp,
                FragmentIndex = 0,
                FragmentCount = 2,
                MessageLength = 100,
                Payload = new byte[50],
            },
            writer);

        _member.HandleDatagram(T0, writer.WrittenSpan.ToArray());

        Assert.Empty(Events(_member));
        Assert.Equal(1, _member.Counters.Unsupported);
    }

    [Fact]
    public void SendReply_ValueOutOfRange_ThrowsAndQueuesNothing()
    {
        var error = Assert.Throws<ArgumentException>(() => _member.SendReply(T0, Timestamp, Meters, new Reply(1, 0x7EC5, double.PositiveInfinity)));

        Assert.Contains("NonFiniteValue", error.Message, StringComparison.Ordinal);
        Assert.False(_member.TryPollTransmit(out _));
        Assert.Equal(0, _member.Counters.FramesSent);
    }

    [Fact]
    public void SendRequest_FrameLargerThanAtomicSize_ThrowsAndUsesNoNumber()
    {
        Assert.Throws<ArgumentException>(() => _source.SendRequest(T0, Timestamp, Meters, Reading, atomicMessageSize: 60));
        _source.SendRequest(T0, Timestamp, Meters, Reading);

        Assert.Equal(1UL, Decode(Assert.Single(Transmits(_source)).Datagram).Sequence);
    }

    [Fact]
    public void HandleDatagram_GatewayPartialWhileListening_RaisesPartialReceived()
    {
        _source.ListenForReplies(Meters);
        var partial = new PartialAggregate { RequestId = Reading.RequestId, Contributors = 2, SumUnits = ValueUnits.ToUnits(3), Min = 1, Max = 2, Histogram = [0, 0, 2, 0], PartialsMerged = 1 };

        _source.HandleDatagram(T0, Frame(FrameType.PartialAggregate, 1, PartialAggregateCodec.Encode(partial)));

        var received = Assert.IsType<PartialReceived>(Assert.Single(Events(_source)));
        Assert.Equal((Meters, Reading.RequestId, 2UL, 3.0), (received.Group, received.Partial.RequestId, received.Partial.Contributors, received.Partial.Sum));
        Assert.Equal(1, _source.Counters.PartialsReceived);
    }

    [Fact]
    public void HandleDatagram_MalformedPartial_CountedUnderTheCodecsReason()
    {
        _source.ListenForReplies(Meters);

        _source.HandleDatagram(T0, Frame(FrameType.PartialAggregate, 1, [2, 0, 0]));

        var rejected = Assert.IsType<PayloadRejected>(Assert.Single(Events(_source)));
        Assert.Equal((FrameType.PartialAggregate, AggregationError.Truncated), (rejected.Type, rejected.Reason));
        Assert.Equal(0, _source.Counters.PartialsReceived);
    }

    private static void Deliver(GroupEndpoint from, GroupEndpoint to)
    {
        while (from.TryPollTransmit(out var transmit))
        {
            to.HandleDatagram(T0, transmit.Datagram);
        }
    }

    private static List<Transmit> Transmits(GroupEndpoint endpoint)
    {
        var transmits = new List<Transmit>();
        while (endpoint.TryPollTransmit(out var transmit))
        {
            transmits.Add(transmit);
        }

        return transmits;
    }

    private static List<EndpointEvent> Events(GroupEndpoint endpoint)
    {
        var events = new List<EndpointEvent>();
        while (endpoint.TryPollEvent(out var endpointEvent))
        {
            events.Add(endpointEvent);
        }

        return events;
    }

    private static GridCastFrame Decode(ReadOnlyMemory<byte> datagram)
    {
        Assert.True(FrameCodec.TryDecodeDatagram(datagram, out var frame, out var error), $"rejected: {error}");
        return frame;
    }

    private static byte[] Frame(FrameType type, ulong sequence, byte[] payload)
    {
        var writer = new ArrayBufferWriter<byte>();
        FrameCodec.Encode(
            new GridCastFrame
            {
                Type = type,
                Group = Encoding.UTF8.GetBytes(Meters.WireName),
                SourceId = 0x5E4D,
                Sequence = sequence,
                TimestampMicroseconds = Timestamp,
                Payload = payload,
            },
            writer);
        return writer.WrittenSpan.ToArray();
    }
}
