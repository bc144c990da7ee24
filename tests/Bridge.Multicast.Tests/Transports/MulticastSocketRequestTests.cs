using Bridge.Multicast.Aggregation;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Transports.Loopback;
using Bridge.Multicast.Wire;
using Bridge.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Bridge.Multicast.Tests.Transports;

/// <summary>
/// The reverse channel on one domain: a <see cref="MulticastSocket"/> asks a group on the
/// loopback bus (<see cref="MulticastSocket.RequestAsync"/>), members answer
/// (<see cref="MulticastSocket.RequestsAsync"/>, <see cref="MulticastSocket.ReplyAsync"/>), and
/// the requester's aggregate is exact. Time is fake: the result comes when the test moves the
/// clock to the deadline, after a marker message has shown that every reply was taken in (the
/// bus delivers to an interface in the order things were sent).
/// </summary>
public sealed class MulticastSocketRequestTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(2);
    private static readonly GroupName Meters = GroupName.Parse("ham:sg:ami.meters.readings");
    private static readonly GroupName Marker = GroupName.Parse("ham:sg:test.marker");
    private static readonly AggregationSpec SumAndHistogram = new()
    {
        Functions = AggregateFunctions.Count | AggregateFunctions.Sum | AggregateFunctions.Min | AggregateFunctions.Max | AggregateFunctions.Mean | AggregateFunctions.Histogram,
        HistogramBounds = [0, 1, 5],
    };

    private readonly LoopbackBus _bus = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-04T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private readonly List<MulticastSocket> _sockets = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var socket in _sockets)
        {
            await socket.DisposeAsync();
        }
    }

    [Fact]
    public async Task RequestAsync_ThreeMembersReply_ResultIsTheirExactAggregate()
    {
        var requester = Open("head-end", Marker);
        var members = new[] { Open("meter-1", Meters), Open("meter-2", Meters), Open("meter-3", Meters) };
        double[] values = [0.5, 4.25, -2.0];

        var result = requester.RequestAsync(Meters, SumAndHistogram, Budget);
        for (var i = 0; i < members.Length; i++)
        {
            var request = await NextRequestAsync(members[i]);
            Assert.Equal(requester.SourceId, request.SourceId);
            Assert.Equal(Budget, request.Request.Budget);
            await members[i].ReplyAsync(request, values[i]);
        }

        await SyncAsync(members[0], requester);
        _time.Advance(Budget);
        var aggregate = await result.WaitAsync(Patience);

        Assert.Equal(3UL, aggregate.Count);
        Assert.Equal(2.75, aggregate.Sum);
        Assert.Equal((-2.0, 4.25), (aggregate.Min, aggregate.Max));
        Assert.Equal(2.75 / 3, aggregate.Mean);
        Assert.Equal([1UL, 1, 1, 0], aggregate.Histogram);
        Assert.Equal((0UL, 0UL, 0U), (aggregate.Late, aggregate.MissingCount, aggregate.PartialsMerged));
        Assert.Equal(3, requester.Aggregation.RepliesAccepted);
        Assert.DoesNotContain(Meters, requester.JoinedGroups);
    }

    [Fact]
    public async Task RequestAsync_MemberRepliesTwice_CountsItOnce()
    {
        var requester = Open("head-end", Marker);
        var member = Open("meter-1", Meters);

        var result = requester.RequestAsync(Meters, SumAndHistogram, Budget);
        var request = await NextRequestAsync(member);
        await member.ReplyAsync(request, 3);
        await member.ReplyAsync(request, 3);
        await SyncAsync(member, requester);
        _time.Advance(Budget);
        var aggregate = await result.WaitAsync(Patience);

        Assert.Equal((1UL, 3.0), (aggregate.Count, aggregate.Sum));
        Assert.Equal(1, requester.Aggregation.DroppedBy(AggregationDropReason.DuplicateReply));
    }

    [Fact]
    public async Task RequestAsync_NobodyAnswers_ResultAtDeadlineWithNoContributorsAndTheGroupIsLeft()
    {
        var requester = Open("head-end");
        var interfaceId = Assert.Single(requester.GetInterfaces());

        var result = requester.RequestAsync(Meters, SumAndHistogram, Budget);
        Assert.Contains(requester.GroupSet(interfaceId), m => m.Group == Meters && m.Joined);
        _time.Advance(Budget);
        var aggregate = await result.WaitAsync(Patience);

        Assert.Equal(0UL, aggregate.Count);
        Assert.Null(aggregate.Mean);
        Assert.DoesNotContain(requester.GroupSet(interfaceId), m => m.Group == Meters);
    }

    [Fact]
    public async Task ReplyAsync_ToAnotherSourcesRequest_OtherMembersDropItWithoutCountingAFault()
    {
        var requester = Open("head-end", Marker);
        var answering = Open("meter-1", Meters);
        var listening = Open("meter-2", Meters, Marker);

        var result = requester.RequestAsync(Meters, SumAndHistogram, Budget);
        await answering.ReplyAsync(await NextRequestAsync(answering), 1.0);
        await SyncAsync(answering, listening);
        await SyncAsync(answering, requester);
        _time.Advance(Budget);
        await result.WaitAsync(Patience);

        Assert.Equal(1, listening.RepliesForOthers);
        Assert.Equal(0, listening.Aggregation.Dropped);
        Assert.Equal(1, listening.Counters.RepliesReceived);
        Assert.Equal(0, requester.RepliesForOthers);
    }

    [Fact]
    public async Task ReplyAsync_MemberOnTwoDomains_AnswersOnlyIntoTheDomainTheRequestCameFrom()
    {
        var otherDomain = new LoopbackBus();
        var requester = Open("head-end", Marker);
        var member = MulticastSocket.Create([_bus.Attach("meter-1"), otherDomain.Attach("meter-1b")], time: _time);
        _sockets.Add(member);
        member.Join(Meters);
        var neighbour = MulticastSocket.Create([otherDomain.Attach("meter-2")], time: _time);
        _sockets.Add(neighbour);
        neighbour.Join(Meters);
        neighbour.Join(Marker);

        var result = requester.RequestAsync(Meters, SumAndHistogram, Budget);
        var request = await NextRequestAsync(member);
        await member.ReplyAsync(request, 2.5);
        await SyncAsync(member, neighbour);
        await SyncAsync(member, requester);
        _time.Advance(Budget);
        var aggregate = await result.WaitAsync(Patience);

        Assert.Equal("meter-1", request.Interface.Name);
        Assert.Equal((1UL, 2.5), (aggregate.Count, aggregate.Sum));
        Assert.Equal(0, neighbour.Counters.RepliesReceived);
    }

    [Fact]
    public async Task RequestAsync_GroupJoinedByTheRequester_StaysJoinedAfterTheRequest()
    {
        var requester = Open("head-end", Meters);
        var interfaceId = Assert.Single(requester.GetInterfaces());

        var result = requester.RequestAsync(Meters, SumAndHistogram, Budget);
        _time.Advance(Budget);
        await result.WaitAsync(Patience);

        Assert.Contains(requester.GroupSet(interfaceId), m => m.Group == Meters && m.Joined);
        Assert.Contains(Meters, requester.JoinedGroups);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3_600_001)]
    public async Task RequestAsync_BudgetOutOfRange_ThrowsArgumentException(int milliseconds)
    {
        var requester = Open("head-end");

        var error = await Assert.ThrowsAsync<ArgumentException>(() => requester.RequestAsync(Meters, SumAndHistogram, TimeSpan.FromMilliseconds(milliseconds)));

        Assert.Contains("BadBudget", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReplyAsync_ValueNotFinite_ThrowsArgumentExceptionAndSendsNothing()
    {
        var requester = Open("head-end");
        var member = Open("meter-1", Meters);
        _ = requester.RequestAsync(Meters, SumAndHistogram, Budget);
        var request = await NextRequestAsync(member);

        await Assert.ThrowsAsync<ArgumentException>(async () => await member.ReplyAsync(request, double.NaN));

        Assert.Equal(0, member.Counters.RepliesSent);
    }

    [Fact]
    public async Task RequestAsync_SocketDisposedBeforeTheDeadline_ThrowsObjectDisposed()
    {
        var requester = Open("head-end");

        var result = requester.RequestAsync(Meters, SumAndHistogram, Budget);
        await requester.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => result.WaitAsync(Patience));
    }

    [Fact]
    public async Task RequestAsync_GatewayPartialsOnTheDomain_MergedOncePerGateway()
    {
        var requester = Open("head-end", Marker);
        var member = Open("meter-1", Meters);
        await using var gateway = _bus.Attach("gateway-1");

        var result = requester.RequestAsync(Meters, SumAndHistogram, Budget);
        var request = await NextRequestAsync(member);
        await member.ReplyAsync(request, 1);

        // Two gateways of the domain answer for their overlay subtrees; the first one twice.
        var first = PartialFrame(900, GatewayPartial(request.Request.RequestId, 4, 6));
        await gateway.SendAsync(Meters, first);
        await gateway.SendAsync(Meters, first);
        await gateway.SendAsync(Meters, PartialFrame(901, GatewayPartial(request.Request.RequestId, 100)));
        await gateway.SendAsync(Marker, FrameOf(FrameType.Data, Marker, 900, "marker"u8.ToArray()));
        Assert.Single(await requester.TakeAsync(1, Patience));
        await SyncAsync(member, requester);
        _time.Advance(Budget);
        var aggregate = await result.WaitAsync(Patience);

        Assert.Equal((4UL, 111.0), (aggregate.Count, aggregate.Sum));
        Assert.Equal(2U, aggregate.PartialsMerged);
        Assert.Equal(0U, aggregate.MissingSubtreeCount);
        Assert.Equal(2, requester.Aggregation.PartialsAccepted);
        Assert.Equal(1, requester.Aggregation.DroppedBy(AggregationDropReason.DuplicatePartial));
    }

    private static PartialAggregate GatewayPartial(ulong requestId, params double[] values)
    {
        var accumulator = new AggregateAccumulator(SumAndHistogram);
        ulong memberId = 5000;
        foreach (var value in values)
        {
            accumulator.Add(new Reply(requestId, memberId++, value));
        }

        accumulator.AddMembers((ulong)values.Length, known: false);
        accumulator.AddPartials(1);
        return accumulator.ToPartial(requestId);
    }

    private static byte[] PartialFrame(ulong gatewaySource, PartialAggregate partial)
        => FrameOf(FrameType.PartialAggregate, Meters, gatewaySource, PartialAggregateCodec.Encode(partial));

    private static byte[] FrameOf(FrameType type, GroupName group, ulong source, byte[] payload)
    {
        var frame = new GridCastFrame { Type = type, Group = System.Text.Encoding.UTF8.GetBytes(group.WireName), SourceId = source, Sequence = 1, Payload = payload };
        var bytes = new byte[FrameCodec.GetEncodedSize(frame)];
        FrameCodec.Encode(frame, bytes);
        return bytes;
    }

    private MulticastSocket Open(string name, params GroupName[] groups)
    {
        var socket = MulticastSocket.Create([_bus.Attach(name)], time: _time);
        _sockets.Add(socket);
        foreach (var group in groups)
        {
            socket.Join(group);
        }

        return socket;
    }

    private static async Task<IncomingRequest> NextRequestAsync(MulticastSocket member)
    {
        using var patience = new CancellationTokenSource(Patience);
        await foreach (var request in member.RequestsAsync(patience.Token))
        {
            return request;
        }

        throw new InvalidOperationException("the request stream ended");
    }

    /// <summary>Returns once <paramref name="to"/> has taken in everything <paramref name="from"/> sent before.</summary>
    private static async Task SyncAsync(MulticastSocket from, MulticastSocket to)
    {
        await from.SendAsync(Marker, "marker"u8.ToArray(), ContentType.Raw);
        Assert.Single(await to.TakeAsync(1, Patience));
    }
}
