using Bridge.Multicast.Aggregation;
using Bridge.Multicast.Endpoint;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Security.ControlPlane;
using Bridge.Multicast.Tests.Security.ControlPlane;
using Bridge.Multicast.Wire;
using Microsoft.Extensions.Time.Testing;

namespace Bridge.Multicast.Tests.Endpoint;

/// <summary>
/// <see cref="GroupEndpoint"/> with the domain's control-plane key (docs/security.md, "Control
/// plane"): its requests and replies are tagged; requests, replies and partials without a valid
/// tag are refused with their reason, so a host without the key cannot poison an aggregate.
/// </summary>
public sealed class GroupEndpointControlKeyTests
{
    private static readonly GroupName Meters = GroupName.Parse("ham:ip:239.192.0.9:5000");
    private static readonly TimeSpan T0 = TimeSpan.FromSeconds(10);
    private static readonly AggregationRequest Reading = new(0xA11CE, new AggregationSpec { Functions = AggregateFunctions.Sum }, TimeSpan.FromMilliseconds(1500));

    private readonly FakeTimeProvider _clock = ControlKeys.Clock();

    [Fact]
    public void SendReply_BothWithTheKey_TaggedAndDelivered()
    {
        var (source, member) = (Keyed(0x5E4D, ControlKeys.Domain), Keyed(0x7EC5, ControlKeys.Domain));
        source.ListenForReplies(Meters);

        member.SendReply(T0, Now(), Meters, new Reply(Reading.RequestId, 0x7EC5, 4.25));
        var datagram = Single(member);
        source.HandleDatagram(T0, datagram);

        Assert.True(FrameCodec.TryDecodeDatagram(datagram, out var frame, out _));
        Assert.Equal(ControlFrameAuthenticator.TagLength, frame.Tag.Length);
        Assert.IsType<ReplyReceived>(Assert.Single(Events(source)));
    }

    [Theory]
    [InlineData("no key")]
    [InlineData("wrong key")]
    public void HandleDatagram_ForgedReply_RefusedAndNotDelivered(string how)
    {
        var source = Keyed(0x5E4D, ControlKeys.Domain);
        var rogue = how == "no key" ? new GroupEndpoint(new GroupEndpointOptions { SourceId = 0xBAD }) : Keyed(0xBAD, ControlKeys.WrongDomain);
        source.ListenForReplies(Meters);

        rogue.SendReply(T0, Now(), Meters, new Reply(Reading.RequestId, 0xBAD, 1e12));
        source.HandleDatagram(T0, Single(rogue));

        var refused = Assert.IsType<ControlFrameRefused>(Assert.Single(Events(source)));
        var reason = how == "no key" ? ControlFrameRejection.MissingTag : ControlFrameRejection.BadTag;
        Assert.Equal((FrameType.Reply, 0xBADUL, reason), (refused.Type, refused.SourceId, refused.Reason));
        Assert.Equal(1, source.Counters.ControlRejected(reason));
        Assert.Equal(0, source.Counters.RepliesReceived);
    }

    [Fact]
    public void HandleDatagram_RequestReplayedAfterItsWindow_RefusedAsStale()
    {
        var (source, member) = (Keyed(0x5E4D, ControlKeys.Domain), Keyed(0x7EC5, ControlKeys.Domain));
        member.Join(Meters);
        source.SendRequest(T0, Now(), Meters, Reading);
        var recorded = Single(source);
        member.HandleDatagram(T0, recorded);
        Assert.IsType<RequestReceived>(Assert.Single(Events(member)));

        // A member that joins later (or restarted) has no window for the source: the timestamp catches the replay.
        _clock.Advance(TimeSpan.FromMinutes(5));
        var late = Keyed(0x7EC6, ControlKeys.Domain);
        late.Join(Meters);
        late.HandleDatagram(T0, recorded);

        Assert.Equal(ControlFrameRejection.Stale, Assert.IsType<ControlFrameRefused>(Assert.Single(Events(late))).Reason);
    }

    [Fact]
    public void HandleDatagram_UntaggedPartial_RefusedBeforeTheAggregator()
    {
        var source = Keyed(0x5E4D, ControlKeys.Domain);
        source.ListenForReplies(Meters);
        var partial = new GridCastFrame
        {
            Type = FrameType.PartialAggregate,
            Group = System.Text.Encoding.UTF8.GetBytes(Meters.WireName),
            SourceId = 0xBAD,
            Sequence = 1,
            Payload = PartialAggregateCodec.Encode(new PartialAggregate { RequestId = Reading.RequestId, Contributors = 1000, SumUnits = 1_000_000_000_000 }),
        };
        var bytes = new byte[FrameCodec.GetEncodedSize(partial)];
        FrameCodec.Encode(partial, bytes);

        source.HandleDatagram(T0, bytes);

        Assert.Equal(ControlFrameRejection.MissingTag, Assert.IsType<ControlFrameRefused>(Assert.Single(Events(source))).Reason);
        Assert.Equal(0, source.Counters.PartialsReceived);
    }

    private GroupEndpoint Keyed(ulong source, Bridge.Multicast.Security.Keys.KeyRing ring)
        => new(new GroupEndpointOptions { SourceId = source, ControlKeys = new ControlPlaneKeys { Domain = ring, WallClock = _clock } });

    private long Now() => (_clock.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks / TimeSpan.TicksPerMicrosecond;

    private static ReadOnlyMemory<byte> Single(GroupEndpoint endpoint)
    {
        Assert.True(endpoint.TryPollTransmit(out var transmit));
        Assert.False(endpoint.TryPollTransmit(out _));
        return transmit.Datagram;
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
}
