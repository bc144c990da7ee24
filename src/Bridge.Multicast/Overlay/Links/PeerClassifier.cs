using Bridge.Multicast.Overlay.Gateway;
using Bridge.Multicast.Overlay.Routing;

namespace Bridge.Multicast.Overlay.Links;

/// <summary>
/// What the gateway at the other end of an authenticated overlay link is to this one, by the
/// name its certificate proves: a leaf takes only its configured upstreams; a transit gateway
/// takes its configured peers as <see cref="PeerKind.Gateway"/> and, when it accepts leaves, any
/// other gateway but itself as a <see cref="PeerKind.Leaf"/>. Everything else is refused.
/// </summary>
public sealed class PeerClassifier
{
    private readonly GatewayOptions _gateway;
    private readonly HashSet<GatewayId> _configured;
    private readonly bool _acceptLeaves;

    /// <summary>A classifier for <paramref name="gateway"/>, with the transit peers it is configured with.</summary>
    public PeerClassifier(GatewayOptions gateway, IEnumerable<GatewayId> configuredPeers, bool acceptLeaves)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        ArgumentNullException.ThrowIfNull(configuredPeers);
        _gateway = gateway;
        _configured = [.. configuredPeers];
        _acceptLeaves = acceptLeaves;
    }

    /// <summary>Whether a link from <paramref name="peer"/> is taken, and as what.</summary>
    public bool TryClassify(GatewayId peer, out PeerKind kind)
    {
        if (_gateway.Role == GatewayRole.Leaf)
        {
            kind = PeerKind.Upstream;
            return _gateway.Upstreams.Contains(peer);
        }

        if (_configured.Contains(peer))
        {
            kind = PeerKind.Gateway;
            return true;
        }

        kind = PeerKind.Leaf;
        return _acceptLeaves && peer != _gateway.Id;
    }
}
