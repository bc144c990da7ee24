using Bridge.Multicast.Naming;
using Bridge.Multicast.Overlay.Routing;

namespace Bridge.Multicast.Overlay.Gateway;

/// <summary>
/// The overlay peers whose link is up, with their kind, and for each leaf peer the groups it asked
/// for. Plain data shared by the gateway's sub-machines; only <see cref="OverlayGateway"/> changes it.
/// </summary>
/// <remarks>Invariant: a leaf has an interest entry exactly while it is up as a <see cref="PeerKind.Leaf"/>.</remarks>
internal sealed class OverlayPeerTable
{
    private readonly Dictionary<GatewayId, PeerKind> _peers = [];
    private readonly Dictionary<GatewayId, HashSet<GroupName>> _leafInterest = [];

    public IReadOnlyCollection<GatewayId> Ids => _peers.Keys;

    /// <summary>Every group some leaf asked for, with repeats.</summary>
    public IEnumerable<GroupName> LeafGroups => _leafInterest.Values.SelectMany(static groups => groups);

    public bool IsUp(GatewayId peer) => _peers.ContainsKey(peer);

    public bool TryGetKind(GatewayId peer, out PeerKind kind) => _peers.TryGetValue(peer, out kind);

    public void Add(GatewayId peer, PeerKind kind)
    {
        _peers[peer] = kind;
        if (kind == PeerKind.Leaf)
        {
            _leafInterest.TryAdd(peer, []);
        }
    }

    public bool Remove(GatewayId peer, out PeerKind kind)
    {
        if (!_peers.Remove(peer, out kind))
        {
            return false;
        }

        _leafInterest.Remove(peer);
        return true;
    }

    /// <summary>Replaces what leaf <paramref name="leaf"/> asks for.</summary>
    public void SetLeafInterest(GatewayId leaf, IEnumerable<GroupName> groups) => _leafInterest[leaf] = [.. groups];

    /// <summary>The leaves that asked for <paramref name="group"/>, but <paramref name="except"/>.</summary>
    public IEnumerable<GatewayId> LeavesWanting(GroupName group, GatewayId? except)
    {
        foreach (var (leaf, groups) in _leafInterest)
        {
            if (leaf != except && groups.Contains(group))
            {
                yield return leaf;
            }
        }
    }
}
