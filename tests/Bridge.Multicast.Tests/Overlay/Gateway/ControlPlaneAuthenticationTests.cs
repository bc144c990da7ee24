using System.Text;
using Bridge.Multicast.Aggregation;
using Bridge.Multicast.Endpoint;
using Bridge.Multicast.Overlay.Control;
using Bridge.Multicast.Overlay.Election;
using Bridge.Multicast.Overlay.Flooding;
using Bridge.Multicast.Overlay.Gateway;
using Bridge.Multicast.Overlay.Routing;
using Bridge.Multicast.Security.ControlPlane;
using Bridge.Multicast.Tests.Security.ControlPlane;
using Bridge.Multicast.Wire;
using Microsoft.Extensions.Time.Testing;
using static Bridge.Multicast.Tests.Overlay.Gateway.GatewayInputs;

namespace Bridge.Multicast.Tests.Overlay.Gateway;

/// <summary>
/// An <see cref="OverlayGateway"/> with control-plane keys (docs/security.md, "Control plane"): a
/// host without the domain key cannot win the election with a priority-255 hello, fake membership,
/// or replay a real gateway's hello; without the overlay key no peer's link state, interest or
/// partial counts. Each refusal is counted under its reason. Between key holders the election and
/// the overlay work as before.
/// </summary>
public sealed class ControlPlaneAuthenticationTests
{
    private static readonly TimeSpan Ms = TimeSpan.FromMilliseconds(1);
    private static readonly byte[] ControlGroupWire = Encoding.UTF8.GetBytes(GatewayOptions.DefaultControlGroup.WireName);
    private static readonly GatewayId Rogue = new("gw-rogue");
    private static readonly Bridge.Multicast.Naming.GroupName LeafOnly = Bridge.Multicast.Naming.GroupName.Parse("ham:sg:home.only");

    [Theory]
    [InlineData("untagged", ControlFrameRejection.MissingTag)]
    [InlineData("wrong key", ControlFrameRejection.BadTag)]
    public void HandleNativeDatagram_Priority255HelloWithoutTheKey_RefusedAndElectionUnchanged(string how, ControlFrameRejection reason)
    {
        var clock = ControlKeys.Clock();
        var (gateway, now) = Designated(Options("gw-a", clock));
        var hello = RogueHello(sequence: 1, how == "untagged" ? null : new ControlFrameAuthenticator(ControlKeys.WrongDomain, clock));

        for (var i = 0; i < 5; i++)
        {
            gateway.HandleNativeDatagram(now + (i * Ms), hello);
        }

        var refused = Events(gateway).OfType<InputRejected>().ToList();
        Assert.True(gateway.IsDesignated(GatewayWorld.Group));
        Assert.Equal(0, gateway.Election.Counters.HellosReceived);
        Assert.Equal(5, gateway.Counters.Rejected(GatewayRejection.UnauthenticatedHello));
        Assert.Equal(5, gateway.Counters.NativeUnauthenticated);
        Assert.Equal(5, gateway.DomainControl!.Rejected(reason));
        Assert.All(refused, r => Assert.Equal((GatewayRejection.UnauthenticatedHello, (Enum)reason), (r.Reason, r.Cause!)));
    }

    [Fact]
    public void HandleNativeDatagram_NoDomainKey_RogueHelloWinsAsBefore()
    {
        // Today's behaviour without a key, kept on purpose: the reason the key exists.
        var (gateway, now) = Designated(new GatewayOptions { Id = new GatewayId("gw-a"), Carry = [GatewayWorld.Group], StartupWait = TimeSpan.Zero });

        gateway.HandleNativeDatagram(now, RogueHello(sequence: 1, sealer: null));

        Assert.False(gateway.IsDesignated(GatewayWorld.Group));
        Assert.Equal(Rogue, gateway.Election.DesignatedGatewayOf(GatewayWorld.Group));
    }

    [Fact]
    public void HandleNativeDatagram_KeyHoldersHelloWithHigherPriority_ElectionAsWithoutKeys()
    {
        var clock = ControlKeys.Clock();
        var (gateway, now) = Designated(Options("gw-a", clock));
        var peer = new ControlFrameAuthenticator(ControlKeys.Domain, clock);

        gateway.HandleNativeDatagram(now, RogueHello(sequence: 1, peer));

        Assert.False(gateway.IsDesignated(GatewayWorld.Group));
        Assert.Equal(1, gateway.Election.Counters.HellosReceived);
        Assert.Equal(1, gateway.DomainControl!.Verified);
    }

    [Fact]
    public void HandleNativeDatagram_RecordedHelloOfADeadGateway_ReplayRefusedAndNotRevived()
    {
        var clock = ControlKeys.Clock();
        var (gateway, now) = Designated(Options("gw-a", clock));
        var recorded = RogueHello(sequence: 1, new ControlFrameAuthenticator(ControlKeys.Domain, clock));
        gateway.HandleNativeDatagram(now, recorded);
        Assert.False(gateway.IsDesignated(GatewayWorld.Group));

        // The key holder falls silent: after its hold time gw-a takes the group back.
        while (!gateway.IsDesignated(GatewayWorld.Group))
        {
            var due = gateway.PollTimeout()!.Value;
            clock.Advance(due - now);
            now = due;
            gateway.HandleTimeout(now);
        }

        gateway.HandleNativeDatagram(now, recorded);
        clock.Advance(TimeSpan.FromMinutes(1));
        var fresh = new OverlayGateway(Options("gw-b", clock), now); // a gateway that never heard the original
        fresh.HandleNativeDatagram(now, recorded);

        Assert.True(gateway.IsDesignated(GatewayWorld.Group));
        Assert.Equal(1, gateway.DomainControl!.Rejected(ControlFrameRejection.Replayed));
        Assert.Equal(1, fresh.DomainControl!.Rejected(ControlFrameRejection.Stale));
        Assert.Equal(0, fresh.Election.Counters.HellosReceived);
    }

    [Fact]
    public void HandleNativeDatagram_MemberReportWithoutTheKey_RefusedAndNotLearned()
    {
        var clock = ControlKeys.Clock();
        var (gateway, now) = Designated(Options("gw-a", clock) with { LearnMembers = true });
        var report = new MembershipReport(0xBAD, 1, TimeSpan.FromSeconds(2), [GatewayWorld.Group]);

        gateway.HandleNativeDatagram(now, MemberReportFormat.Default.Encode(report, 0));
        gateway.HandleNativeDatagram(now, MemberReportFormat.WithKeys(new ControlFrameAuthenticator(ControlKeys.WrongDomain, clock)).Encode(report, Micros(clock)));
        Assert.Empty(gateway.Interest);

        gateway.HandleNativeDatagram(now, MemberReportFormat.WithKeys(new ControlFrameAuthenticator(ControlKeys.Domain, clock)).Encode(report, Micros(clock)));

        Assert.Equal([GatewayWorld.Group], gateway.Interest);
        Assert.Equal(2, gateway.Counters.Rejected(GatewayRejection.UnauthenticatedMemberReport));
        Assert.Equal(1, gateway.Counters.MemberReports);
        Assert.Equal((1L, 1L), (gateway.DomainControl!.Rejected(ControlFrameRejection.MissingTag), gateway.DomainControl.Rejected(ControlFrameRejection.BadTag)));
    }

    [Fact]
    public void Constructor_WithDomainKey_OwnHellosTaggedAndTimestamped()
    {
        var clock = ControlKeys.Clock();
        var gateway = new OverlayGateway(Options("gw-a", clock), TimeSpan.Zero);
        gateway.HandleTimeout(gateway.PollTimeout()!.Value);

        var hello = Decode(Drain(gateway).First(t => t.Group == GatewayOptions.DefaultControlGroup).Frame);

        Assert.Equal(ControlFrameAuthenticator.TagLength, hello.Tag.Length);
        Assert.Equal(Micros(clock), hello.TimestampMicroseconds);
        Assert.Equal(ControlFrameRejection.None, new ControlFrameAuthenticator(ControlKeys.Domain, clock).Verify(hello));
    }

    [Fact]
    public void HandlePeerFrame_PartialWithoutTheOverlayKey_RefusedBeforeTheAggregator()
    {
        var clock = ControlKeys.Clock();
        var gateway = new OverlayGateway(Options("gw-a", clock) with { ControlKeys = Keys(clock) with { Domain = null } }, TimeSpan.Zero);
        var peer = new GatewayId("gw-b");
        gateway.PeerUp(TimeSpan.Zero, peer, PeerKind.Gateway, 1000);
        var partial = PartialAggregateCodec.Encode(new PartialAggregate { RequestId = 9, Contributors = 1_000_000, SumUnits = 1_000_000_000 });

        gateway.HandlePeerFrame(TimeSpan.Zero, peer, Decode(Frame(FrameType.PartialAggregate, GroupWire, partial)));

        Assert.Equal(1, gateway.Counters.Rejected(GatewayRejection.UnauthenticatedPartial));
        Assert.Equal(0, gateway.Counters.PartialsReceived);
        Assert.Equal(1, gateway.OverlayControl!.Rejected(ControlFrameRejection.MissingTag));
        Assert.Contains(Events(gateway), e => e is InputRejected { Reason: GatewayRejection.UnauthenticatedPartial, Cause: ControlFrameRejection.MissingTag });
    }

    [Fact]
    public void HandlePeerFrame_LinkStateBetweenKeyHolders_Flows_UntaggedRefused()
    {
        var clock = ControlKeys.Clock();
        var a = new OverlayGateway(Options("gw-a", clock), TimeSpan.Zero);
        var b = new OverlayGateway(Options("gw-b", clock), TimeSpan.Zero);
        a.PeerUp(TimeSpan.Zero, b.Id, PeerKind.Gateway, 1000);
        b.PeerUp(TimeSpan.Zero, a.Id, PeerKind.Gateway, 1000);

        var now = Run(TimeSpan.FromSeconds(2), a, b);

        Assert.Equal(2, a.Flooding!.Database.Count);
        Assert.Equal(2, b.Flooding!.Database.Count);
        Assert.Equal(0, a.OverlayControl!.RejectedTotal + b.OverlayControl!.RejectedTotal);

        var forged = new LinkStateAdvertisement(new GatewayId("gw-forged"), 1, [new AdvertisedLink(a.Id, 1)], []);
        b.HandlePeerFrame(now, a.Id, Decode(Frame(FrameType.LinkState, OverlayGateway.LinkGroup.ToArray(), FloodingMessageBytes(forged))));

        Assert.Equal(2, b.Flooding.Database.Count);
        Assert.Equal(1, b.Counters.Rejected(GatewayRejection.UnauthenticatedLinkState));
    }

    [Fact]
    public void HandlePeerFrame_LeafInterest_KeyedLeafHeardUntaggedRefused()
    {
        var clock = ControlKeys.Clock();
        var transit = new OverlayGateway(Options("gw-a", clock), TimeSpan.Zero);
        var leaf = new OverlayGateway(Options("home-1", clock) with { Role = GatewayRole.Leaf, Upstreams = [transit.Id], Carry = [LeafOnly] }, TimeSpan.Zero);
        transit.PeerUp(TimeSpan.Zero, leaf.Id, PeerKind.Leaf, 1000);
        var untagged = LeafInterestCodec.Encode(new LeafInterest(leaf.Id, [LeafOnly]));

        transit.HandlePeerFrame(TimeSpan.Zero, leaf.Id, Decode(Frame(FrameType.Membership, OverlayGateway.LinkGroup.ToArray(), untagged)));
        Assert.DoesNotContain(LeafOnly, transit.Interest);

        leaf.PeerUp(TimeSpan.Zero, transit.Id, PeerKind.Upstream, 1000);
        Run(TimeSpan.FromSeconds(2), leaf, transit);

        Assert.Contains(LeafOnly, transit.Interest);
        Assert.Equal(1, transit.Counters.Rejected(GatewayRejection.UnauthenticatedInterest));
    }

    private static GatewayOptions Options(string id, FakeTimeProvider clock) => new()
    {
        Id = new GatewayId(id),
        Carry = [GatewayWorld.Group],
        StartupWait = TimeSpan.Zero,
        ControlKeys = Keys(clock),
    };

    private static ControlPlaneKeys Keys(TimeProvider clock) => new() { Domain = ControlKeys.Domain, Overlay = ControlKeys.Overlay, WallClock = clock };

    private static long Micros(TimeProvider clock) => (clock.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks / TimeSpan.TicksPerMicrosecond;

    /// <summary>A ready priority-255 hello from <see cref="Rogue"/> for the group, tagged by <paramref name="sealer"/> (untagged when null).</summary>
    private static byte[] RogueHello(ulong sequence, ControlFrameAuthenticator? sealer)
    {
        var payload = GatewayHelloCodec.Encode(new GatewayHello(Rogue, 255, Ready: true, 100 * Ms, 350 * Ms, [GatewayWorld.Group]));
        var frame = new GridCastFrame { Type = FrameType.Membership, Group = ControlGroupWire, SourceId = 0x5EED, Sequence = sequence, Payload = payload };
        return sealer is null ? Frame(FrameType.Membership, ControlGroupWire, payload, 0x5EED, sequence) : sealer.Seal(frame with { TimestampMicroseconds = sealer.NowMicroseconds() });
    }

    private static byte[] FloodingMessageBytes(LinkStateAdvertisement advertisement)
    {
        var writer = new System.Buffers.ArrayBufferWriter<byte>();
        FloodingMessageCodec.EncodeAdvertisement(advertisement, 0, writer);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>Runs the two gateways on their own timers until <paramref name="until"/>, carrying what each sends the other; returns the time reached.</summary>
    private static TimeSpan Run(TimeSpan until, OverlayGateway one, OverlayGateway other)
    {
        var now = TimeSpan.Zero;
        Exchange(now, one, other);
        while (new[] { one.PollTimeout(), other.PollTimeout() }.Min() is { } due && due <= until)
        {
            now = due;
            foreach (var gateway in new[] { one, other }.Where(g => g.PollTimeout() <= now))
            {
                gateway.HandleTimeout(now);
            }

            Exchange(now, one, other);
        }

        return now;
    }

    /// <summary>Carries what each of the two gateways sends the other until neither sends more.</summary>
    private static void Exchange(TimeSpan now, OverlayGateway one, OverlayGateway other)
    {
        for (var round = 0; round < 20; round++)
        {
            var moved = false;
            foreach (var (from, to) in new[] { (one, other), (other, one) })
            {
                foreach (var transmit in Drain(from).Where(t => t.Peer == to.Id))
                {
                    moved = true;
                    to.HandlePeerFrame(now, from.Id, Decode(transmit.Frame));
                }
            }

            if (!moved)
            {
                return;
            }
        }
    }
}
