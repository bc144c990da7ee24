using Bridge.Multicast.Endpoint;
using Bridge.Multicast.Overlay.Gateway;
using Bridge.Multicast.Security;
using Bridge.Multicast.Security.Keys;
using Bridge.Multicast.Tests.Overlay.Gateway;
using Bridge.Multicast.Tests.Security.Keys;
using Bridge.Multicast.Wire;
using static Bridge.Multicast.Tests.Overlay.Gateway.GatewayInputs;

namespace Bridge.Multicast.Tests.Security;

/// <summary>
/// What a gateway does with a secured group's frames from its domain: without the keys it relays
/// them byte for byte (the tags are end to end); with them it refuses forged and replayed frames
/// before they enter the overlay and relays the genuine ones unchanged.
/// </summary>
public sealed class GatewaySecurityTests
{
    private static readonly Bridge.Multicast.Overlay.Routing.GatewayId Upstream = new("gw-up");
    private static readonly DateTimeOffset At = TestKeys.Start.AddDays(3);
    private static readonly TimeSpan T0 = TimeSpan.FromSeconds(1);

    [Fact]
    public void HandleNativeDatagram_GatewayWithoutKeys_RelaysTheTaggedFrameUnchanged()
    {
        var leaf = Leaf();
        var datagram = Genuine("shed 20%");

        leaf.HandleNativeDatagram(T0, At, datagram);

        var relay = Assert.Single(Drain(leaf));
        Assert.True(RelayCodec.TryDecode(Decode(relay.Frame), out _, out var inner, out _, out _));
        Assert.Equal(datagram, inner.ToArray());
    }

    [Fact]
    public void HandleNativeDatagram_GatewayWithKeys_RefusesForgedAndReplayedFramesBeforeTheOverlay()
    {
        var leaf = Leaf();
        leaf.Protect(GatewayWorld.Group, new GroupProtection(GroupSecurityMode.Authenticate, Ring()));
        var genuine = Genuine("shed 20%");
        var forged = genuine.ToArray();
        forged[^1] ^= 0x01;

        leaf.HandleNativeDatagram(T0, At, forged);
        leaf.HandleNativeDatagram(T0, At, genuine);
        leaf.HandleNativeDatagram(T0, At, genuine.ToArray());

        var relay = Assert.Single(Drain(leaf));
        Assert.True(RelayCodec.TryDecode(Decode(relay.Frame), out _, out var inner, out _, out _));
        Assert.Equal(genuine, inner.ToArray());
        Assert.Equal(1, leaf.Security.Verified);
        Assert.Equal(1, leaf.Security.Rejected(SecurityRejection.BadTag));
        Assert.Equal(1, leaf.Security.Rejected(SecurityRejection.Replayed));
        Assert.Equal(1, leaf.Counters.NativeIngress);
        var refusals = new List<GatewayEvent>();
        while (leaf.TryPollEvent(out var e))
        {
            refusals.Add(e);
        }

        Assert.Equal(
            [SecurityRejection.BadTag, SecurityRejection.Replayed],
            refusals.OfType<SecuredFrameRefused>().Select(r => r.Reason));
    }

    private static OverlayGateway Leaf()
    {
        var (leaf, now) = Designated(new GatewayOptions { Id = new("home-9"), Role = GatewayRole.Leaf, Upstreams = [Upstream], Carry = [GatewayWorld.Group] });
        leaf.PeerUp(now, Upstream, PeerKind.Upstream, 1000);
        Drain(leaf);
        while (leaf.TryPollEvent(out _))
        {
        }

        return leaf;
    }

    private static KeyRing Ring() => TestKeys.SharedRing(GatewayWorld.Group.WireName, TestKeys.Symmetric(1));

    private static byte[] Genuine(string text)
    {
        var sender = new GroupEndpoint(new GroupEndpointOptions { SourceId = 0x77 });
        sender.Protect(GatewayWorld.Group, new GroupProtection(GroupSecurityMode.Authenticate, Ring()));
        sender.Send(T0, (At - DateTimeOffset.UnixEpoch).Ticks / TimeSpan.TicksPerMicrosecond, GatewayWorld.Group, System.Text.Encoding.UTF8.GetBytes(text), ContentType.Raw);
        Assert.True(sender.TryPollTransmit(out var transmit));
        return transmit.Datagram.ToArray();
    }

    private static GridCastFrame Decode(ReadOnlyMemory<byte> bytes)
    {
        Assert.True(FrameCodec.TryDecodeDatagram(bytes, out var frame, out var error), error.ToString());
        return frame;
    }
}
