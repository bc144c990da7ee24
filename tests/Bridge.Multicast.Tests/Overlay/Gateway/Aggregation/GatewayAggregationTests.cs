using Bridge.Multicast.Aggregation;
using Bridge.Multicast.Overlay.Gateway;
using Bridge.Multicast.Overlay.Routing;
using Bridge.Multicast.Wire;
using static Bridge.Multicast.Tests.Overlay.Gateway.GatewayInputs;

namespace Bridge.Multicast.Tests.Overlay.Gateway.Aggregation;

/// <summary>
/// The reverse channel through <see cref="OverlayGateway"/>s driven by hand: a request heard in
/// the source's domain goes down the tree in relays with a budget smaller by one margin per hop,
/// the domains' replies and the children's partials come back up as one partial per gateway, and
/// the ingress hands the total into the source's domain; duplicates count once, a lost child is a
/// named missing subtree, and bad frames are refused with a named reason.
/// </summary>
public sealed class GatewayAggregationTests
{
    private static readonly AggregationSpec SumCount = new() { Functions = AggregateFunctions.Count | AggregateFunctions.Sum };

    private static HandDrivenOverlay Chain()
    {
        // gw-a (the source's domain) — gw-b — gw-c: the tree of gw-a's ingress is the chain.
        var overlay = new HandDrivenOverlay("gw-a", "gw-b", "gw-c");
        overlay.Link("gw-a", "gw-b");
        overlay.Link("gw-b", "gw-c");
        Assert.Equal([new GatewayId("gw-b")], overlay["gw-a"].ChildrenOf(GatewayWorld.Group));
        return overlay;
    }

    [Fact]
    public void HandleNativeDatagram_RequestAtIngress_RelayedDownWithSmallerBudgetsAndTheExactAggregateComesBack()
    {
        var overlay = Chain();
        var request = new AggregationRequest(42, SumCount, TimeSpan.FromSeconds(2));
        var asked = overlay.Now;
        overlay.Hold = FrameType.Relay;
        overlay.AskIn("gw-a", request);

        // The ingress relays it to its one child with its own budget, 2000 - 200 ms.
        var (from, relay) = Assert.Single(overlay.Held);
        Assert.Equal((new GatewayId("gw-a"), new GatewayId("gw-b")), (from, relay.Peer!.Value));
        Assert.Equal(1800, RelayedBudget(relay.Frame).TotalMilliseconds);
        overlay.Held.Clear();
        overlay.Hold = null;
        overlay["gw-b"].HandlePeerFrame(overlay.Now, new GatewayId("gw-a"), Decode(relay.Frame));
        overlay.Pump();

        // Each gateway on the way asks its own domain, with the Relayed flag and its hop's budget.
        var toB = Assert.Single(overlay.DomainFrames("gw-b", FrameType.Request));
        var toC = Assert.Single(overlay.DomainFrames("gw-c", FrameType.Request));
        Assert.True((toB.Flags & FrameFlags.Relayed) != 0);
        Assert.Equal((HandDrivenOverlay.Source, 1UL), (toB.SourceId, toB.Sequence));
        Assert.Equal(1600, BudgetOf(toB).TotalMilliseconds);
        Assert.Equal(1400, BudgetOf(toC).TotalMilliseconds);
        Assert.Empty(overlay.DomainFrames("gw-a", FrameType.Request));

        // Members answer in every domain; the source's own domain is the source's to count.
        overlay.ReplyIn("gw-a", 42, member: 1, value: 1000);
        overlay.ReplyIn("gw-b", 42, member: 2, value: 2);
        overlay.ReplyIn("gw-b", 42, member: 3, value: 3);
        overlay.ReplyIn("gw-c", 42, member: 4, value: 4.5);
        overlay.ReplyIn("gw-c", 42, member: 4, value: 4.5);
        Assert.Equal(1, overlay["gw-a"].Counters.RepliesForSource);
        Assert.Equal(1, overlay["gw-c"].Aggregation.DroppedBy(AggregationDropReason.DuplicateReply));

        overlay.RunUntil(asked + TimeSpan.FromSeconds(2));

        var partial = Assert.Single(overlay.DomainPartials("gw-a"));
        Assert.Equal((42UL, 3UL, 9.5), (partial.RequestId, partial.Contributors, partial.Sum));
        Assert.Equal(0u, partial.MissingSubtreeCount);
        Assert.Equal(3u, partial.PartialsMerged);
        var frame = Assert.Single(overlay.DomainFrames("gw-a", FrameType.PartialAggregate));
        Assert.Equal(overlay["gw-a"].Options.SourceId, frame.SourceId);
        Assert.Equal((1, 1), (overlay["gw-c"].Counters.PartialsToPeers, overlay["gw-b"].Counters.PartialsToPeers));
        Assert.Equal(1, overlay["gw-a"].Counters.PartialsToDomain);
        Assert.Empty(overlay.DomainPartials("gw-b"));
    }

    [Fact]
    public void HandlePeerFrame_RequestToALeaf_TheLeafAggregatesItsHomeAndAnswersItsUpstream()
    {
        var overlay = new HandDrivenOverlay("gw-a");
        overlay.AddLeaf("home-1", "gw-a");
        Assert.Equal([new GatewayId("home-1")], overlay["gw-a"].ChildrenOf(GatewayWorld.Group));
        var asked = overlay.Now;
        overlay.AskIn("gw-a", new AggregationRequest(31, SumCount, TimeSpan.FromSeconds(2)));

        var toHome = Assert.Single(overlay.DomainFrames("home-1", FrameType.Request));
        Assert.Equal(1600, BudgetOf(toHome).TotalMilliseconds);
        overlay.ReplyIn("home-1", 31, member: 8, value: 0.25);
        overlay.RunUntil(asked + TimeSpan.FromSeconds(2));

        Assert.Equal(1, overlay["home-1"].Counters.PartialsToPeers);
        var result = Assert.Single(overlay.DomainPartials("gw-a"));
        Assert.Equal((1UL, 0.25, 2u), (result.Contributors, result.Sum, result.PartialsMerged));
    }

    [Fact]
    public void HandleNativeDatagram_LearnedMembers_EveryoneAnsweredSoThePartialsComeBeforeTheDeadline()
    {
        var overlay = new HandDrivenOverlay(learnMembers: true, "gw-a", "gw-b", "gw-c");
        overlay.ReportIn("gw-b", 10);
        overlay.ReportIn("gw-c", 11, 12);
        overlay.Link("gw-a", "gw-b");
        overlay.Link("gw-b", "gw-c");
        overlay.AskIn("gw-a", new AggregationRequest(41, SumCount with { WantMissingIds = true }, TimeSpan.FromSeconds(2)));

        overlay.ReplyIn("gw-c", 41, member: 11, value: 1);
        overlay.ReplyIn("gw-c", 41, member: 12, value: 2);
        Assert.Empty(overlay.DomainPartials("gw-a"));
        overlay.ReplyIn("gw-b", 41, member: 10, value: 4);

        // No time has passed: every gateway finished as soon as its members and children had answered.
        var result = Assert.Single(overlay.DomainPartials("gw-a"));
        Assert.Equal((3UL, 7.0, 0UL), (result.Contributors, result.Sum, result.MissingCount));
        Assert.Equal(3UL, result.MembersKnown);
        Assert.Equal(0, overlay["gw-a"].Aggregation.FinishedAtDeadline);
    }

    [Fact]
    public void HandleTimeout_LearnedMemberSilent_CountedAndNamedMissing()
    {
        var overlay = new HandDrivenOverlay(learnMembers: true, "gw-a", "gw-b");
        overlay.ReportIn("gw-b", 10, 11);
        overlay.Link("gw-a", "gw-b");
        var asked = overlay.Now;
        overlay.AskIn("gw-a", new AggregationRequest(43, SumCount with { WantMissingIds = true }, TimeSpan.FromSeconds(2)));
        overlay.ReplyIn("gw-b", 43, member: 10, value: 4);
        overlay.RunUntil(asked + TimeSpan.FromSeconds(2));

        var result = Assert.Single(overlay.DomainPartials("gw-a"));
        Assert.Equal((1UL, 1UL), (result.Contributors, result.MissingCount));
        Assert.Equal([11UL], result.MissingMemberIds);
    }

    [Fact]
    public void HandlePeerFrame_SamePartialTwice_CountedOnce()
    {
        var overlay = Chain();
        var asked = overlay.Now;
        overlay.AskIn("gw-a", new AggregationRequest(7, SumCount, TimeSpan.FromSeconds(2)));
        overlay.ReplyIn("gw-c", 7, member: 10, value: 5);
        overlay.Hold = FrameType.PartialAggregate;
        overlay.RunUntil(asked + TimeSpan.FromMilliseconds(1500));

        var (from, partial) = Assert.Single(overlay.Held);
        Assert.Equal(new GatewayId("gw-c"), from);
        overlay.Held.Clear();
        overlay.Hold = null;
        overlay["gw-b"].HandlePeerFrame(overlay.Now, from, Decode(partial.Frame));
        overlay["gw-b"].HandlePeerFrame(overlay.Now, from, Decode(partial.Frame));
        overlay.Pump();
        overlay.RunUntil(asked + TimeSpan.FromSeconds(2));

        Assert.Equal(1, overlay["gw-b"].Aggregation.DroppedBy(AggregationDropReason.DuplicatePartial));
        var result = Assert.Single(overlay.DomainPartials("gw-a"));
        Assert.Equal((1UL, 5.0), (result.Contributors, result.Sum));
    }

    [Fact]
    public void PeerDown_ChildLostMidRequest_ResultAtTheDeadlineNamesTheMissingSubtree()
    {
        var overlay = Chain();
        var asked = overlay.Now;
        overlay.AskIn("gw-a", new AggregationRequest(9, SumCount, TimeSpan.FromSeconds(2)));
        overlay.ReplyIn("gw-b", 9, member: 2, value: 2);
        overlay.ReplyIn("gw-c", 9, member: 3, value: 3);

        // gw-c's link goes down before its partial: gw-b stops waiting for it.
        overlay["gw-b"].PeerDown(overlay.Now, new GatewayId("gw-c"));
        overlay.Pump();
        overlay.RunUntil(asked + TimeSpan.FromSeconds(2));

        var result = Assert.Single(overlay.DomainPartials("gw-a"));
        Assert.Equal((1UL, 2.0), (result.Contributors, result.Sum));
        Assert.Equal(1u, result.MissingSubtreeCount);
        Assert.Equal([new GatewayId("gw-c")], result.MissingSubtrees);
        Assert.Equal(1, overlay["gw-b"].Aggregation.SubtreesMissing);
    }

    [Fact]
    public void HandleNativeDatagram_RequestWithoutChildren_NothingHeldOrSent()
    {
        var overlay = new HandDrivenOverlay("gw-alone");
        overlay.AskIn("gw-alone", new AggregationRequest(3, SumCount, TimeSpan.FromSeconds(1)));
        overlay.RunUntil(overlay.Now + TimeSpan.FromSeconds(2));

        Assert.Equal(1, overlay["gw-alone"].Counters.RequestsWithoutChildren);
        Assert.Equal(0, overlay["gw-alone"].AggregationRequests);
        Assert.Empty(overlay.DomainPartials("gw-alone"));
    }

    [Fact]
    public void HandleNativeDatagram_RelayedRequest_NotTakenOutAgain()
    {
        var overlay = Chain();
        var frame = Frame(FrameType.Request, GroupWire, AggregationRequestCodec.Encode(new AggregationRequest(5, SumCount, TimeSpan.FromSeconds(1))), 600, 1);
        overlay["gw-a"].HandleNativeDatagram(overlay.Now, RelayCodec.MarkRelayed(frame));
        overlay.Pump();

        Assert.Equal(1, overlay["gw-a"].Counters.NativeRelayedIgnored);
        Assert.Equal(0, overlay["gw-a"].Counters.RequestIngress);
        Assert.Equal(0, overlay["gw-b"].Counters.RequestRelaysReceived);
    }

    public static TheoryData<string, GatewayRejection> BadPeerFrames => new()
    {
        { "partial that does not decode", GatewayRejection.MalformedPartial },
        { "partial as a fragment", GatewayRejection.FragmentedPartial },
        { "relay of a tagged request", GatewayRejection.MalformedRelay },
        { "relay of a request from a leaf", GatewayRejection.UnexpectedRequest },
        { "partial from an upstream", GatewayRejection.UnexpectedFrame },
    };

    [Theory]
    [MemberData(nameof(BadPeerFrames))]
    public void HandlePeerFrame_BadReverseChannelFrame_RejectedWithItsReason(string what, GatewayRejection reason)
    {
        var leafId = new GatewayId("home-1");
        var upstream = new GatewayId("gw-up");
        var request = AggregationRequestCodec.Encode(new AggregationRequest(11, SumCount, TimeSpan.FromSeconds(1)));
        var (gateway, now) = what == "partial from an upstream"
            ? Designated(new GatewayOptions { Id = leafId, Role = GatewayRole.Leaf, Upstreams = [upstream], Carry = [GatewayWorld.Group] })
            : Designated(new GatewayOptions { Id = new GatewayId("gw-x"), Carry = [GatewayWorld.Group] });
        var peer = what switch
        {
            "partial from an upstream" => upstream,
            "relay of a request from a leaf" => leafId,
            _ => new GatewayId("gw-peer"),
        };
        gateway.PeerUp(now, peer, what switch
        {
            "partial from an upstream" => PeerKind.Upstream,
            "relay of a request from a leaf" => PeerKind.Leaf,
            _ => PeerKind.Gateway,
        }, 1000);
        Drain(gateway);
        Events(gateway);

        var validPartial = PartialAggregateCodec.Encode(new PartialAggregate { RequestId = 11 });
        GridCastFrame frame = what switch
        {
            "partial that does not decode" => Decode(Frame(FrameType.PartialAggregate, GroupWire, [9, 9, 9])),
            "partial as a fragment" => Fragment(validPartial),
            "relay of a tagged request" => Relay(peer, Tagged(request)),
            "relay of a request from a leaf" => Relay(peer, Frame(FrameType.Request, GroupWire, request)),
            _ => Decode(Frame(FrameType.PartialAggregate, GroupWire, validPartial)),
        };

        gateway.HandlePeerFrame(now, peer, frame);

        Assert.Equal(1, gateway.Counters.Rejected(reason));
        Assert.Equal(1, gateway.Counters.PeerRejected);
        var rejected = Assert.Single(Events(gateway).OfType<InputRejected>());
        Assert.Equal((peer, reason), (rejected.From!.Value, rejected.Reason));
        if (reason == GatewayRejection.MalformedRelay)
        {
            Assert.Equal(RelayError.BadInnerRequest, rejected.Cause);
        }

        Assert.DoesNotContain(Drain(gateway), t => t.Frame.Span[3] is (byte)FrameType.Request or (byte)FrameType.PartialAggregate);
    }

    [Fact]
    public void HandlePeerFrame_RelayOfAMalformedRequest_DroppedByTheAggregatorAndReported()
    {
        var (gateway, now) = Designated(new GatewayOptions { Id = new GatewayId("gw-x"), Carry = [GatewayWorld.Group] });
        var peer = new GatewayId("gw-peer");
        gateway.PeerUp(now, peer, PeerKind.Gateway, 1000);
        Drain(gateway);
        Events(gateway);

        gateway.HandlePeerFrame(now, peer, Relay(peer, Frame(FrameType.Request, GroupWire, [1, 0, 0, 0])));

        Assert.Equal(1, gateway.Aggregation.DroppedBy(AggregationDropReason.Malformed));
        var rejected = Assert.Single(Events(gateway).OfType<AggregationRejected>());
        Assert.Equal(AggregationDropReason.Malformed, rejected.Rejection.Reason);
        Assert.DoesNotContain(Drain(gateway), t => t.Group is not null);
    }

    [Fact]
    public void HandlePeerFrame_PartialFromAGatewayThatIsNoChild_DroppedAsUnknownChild()
    {
        var overlay = Chain();
        overlay.AskIn("gw-a", new AggregationRequest(21, SumCount, TimeSpan.FromSeconds(2)));
        var stranger = new GatewayId("gw-z");
        overlay["gw-b"].PeerUp(overlay.Now, stranger, PeerKind.Gateway, 1000);
        overlay.Pump();

        overlay["gw-b"].HandlePeerFrame(overlay.Now, stranger, Decode(Frame(FrameType.PartialAggregate, GroupWire, PartialAggregateCodec.Encode(new PartialAggregate { RequestId = 21 }))));
        overlay.Pump();

        Assert.Equal(1, overlay["gw-b"].Aggregation.DroppedBy(AggregationDropReason.UnknownChild));
        Assert.Contains(overlay.Raised[new GatewayId("gw-b")], e => e is AggregationRejected { Rejection.Reason: AggregationDropReason.UnknownChild });
    }

    private static TimeSpan BudgetOf(GridCastFrame request)
    {
        Assert.True(AggregationRequestCodec.TryDecode(request.Payload.Span, out var decoded, out var error), error.ToString());
        return decoded.Budget;
    }

    private static TimeSpan RelayedBudget(ReadOnlyMemory<byte> relay)
    {
        Assert.True(RelayCodec.TryDecode(Decode(relay), out _, out _, out var inner, out var error), error.ToString());
        Assert.Equal(FrameType.Request, inner.Type);
        return BudgetOf(inner);
    }

    private static GridCastFrame Fragment(byte[] payload)
    {
        var frame = new GridCastFrame { Type = FrameType.PartialAggregate, Group = GroupWire, SourceId = 3, Sequence = 1, FragmentIndex = 0, FragmentCount = 2, MessageLength = (uint)(2 * payload.Length), Payload = payload };
        var bytes = new byte[FrameCodec.GetEncodedSize(frame)];
        FrameCodec.Encode(frame, bytes);
        return Decode(bytes);
    }

    private static byte[] Tagged(byte[] payload)
    {
        var frame = new GridCastFrame { Type = FrameType.Request, Group = GroupWire, SourceId = 77, Sequence = 1, Payload = payload, Tag = new byte[16] };
        var bytes = new byte[FrameCodec.GetEncodedSize(frame)];
        FrameCodec.Encode(frame, bytes);
        return bytes;
    }
}
