using Bridge.Multicast.Naming;
using Bridge.Multicast.Overlay.Routing;

namespace Bridge.Multicast.Overlay.Gateway;

/// <summary>A frame an <see cref="OverlayGateway"/> wants sent: to an overlay peer, or into its domain.</summary>
public readonly record struct GatewayTransmit
{
    private GatewayTransmit(GatewayId? peer, GroupName? group, ReadOnlyMemory<byte> frame)
    {
        Peer = peer;
        Group = group;
        Frame = frame;
    }

    /// <summary>The overlay peer it goes to, or null when it goes into the domain.</summary>
    public GatewayId? Peer { get; }

    /// <summary>The group it is sent to in the domain, or null when it goes to a peer.</summary>
    public GroupName? Group { get; }

    /// <summary>One encoded GridCast frame. Several transmits may share the same bytes: do not modify them.</summary>
    public ReadOnlyMemory<byte> Frame { get; }

    /// <summary>A frame for the overlay link to <paramref name="peer"/>.</summary>
    public static GatewayTransmit ToPeer(GatewayId peer, ReadOnlyMemory<byte> frame) => new(peer, null, frame);

    /// <summary>A datagram for <paramref name="group"/> on the domain's interfaces.</summary>
    public static GatewayTransmit ToDomain(GroupName group, ReadOnlyMemory<byte> frame) => new(null, group, frame);
}
