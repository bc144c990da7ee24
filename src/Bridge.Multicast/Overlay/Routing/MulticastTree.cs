using Bridge.Multicast.Naming;

namespace Bridge.Multicast.Overlay.Routing;

/// <summary>
/// The pruned source-rooted shortest-path tree of one (source gateway, group): the branches of
/// the source's shortest-path tree that lead to gateways interested in the group. Immutable.
/// </summary>
/// <remarks>
/// Invariants (each checked by the property tests):
/// <list type="bullet">
/// <item>It is a tree rooted at <see cref="Source"/>: every other gateway in it has exactly one
/// parent, joined to it by a usable link, and following parents always ends at the source.</item>
/// <item><see cref="Members"/> are exactly the interested gateways reachable from the source over
/// usable links (the source included if it is interested itself).</item>
/// <item>Every leaf other than the source is a member: branches without interest are pruned.</item>
/// <item>The path from the source to each gateway in the tree has the least total cost, and
/// its <see cref="TryGetDistance">distance</see> is that cost.</item>
/// <item>Forwarding from the source to each gateway's children delivers to every member exactly
/// once, using <see cref="EdgeCount"/> link crossings.</item>
/// </list>
/// </remarks>
public sealed class MulticastTree
{
    private readonly Dictionary<GatewayId, GatewayId> _parents;
    private readonly Dictionary<GatewayId, GatewayId[]> _children;
    private readonly Dictionary<GatewayId, ulong> _distances;
    private readonly HashSet<GatewayId> _members;

    internal MulticastTree(
        GatewayId source,
        GroupName group,
        Dictionary<GatewayId, GatewayId> parents,
        Dictionary<GatewayId, GatewayId[]> children,
        Dictionary<GatewayId, ulong> distances,
        GatewayId[] gateways,
        GatewayId[] members)
    {
        Source = source;
        Group = group;
        _parents = parents;
        _children = children;
        _distances = distances;
        Gateways = gateways;
        Members = members;
        _members = [.. members];
    }

    /// <summary>The gateway where messages enter the overlay: the root.</summary>
    public GatewayId Source { get; }

    /// <summary>The group the tree serves.</summary>
    public GroupName Group { get; }

    /// <summary>Every gateway on the tree (members and the transit gateways between them), sorted by id.</summary>
    public IReadOnlyList<GatewayId> Gateways { get; }

    /// <summary>The interested gateways the tree reaches, sorted by id.</summary>
    public IReadOnlyList<GatewayId> Members { get; }

    /// <summary>The number of overlay links the tree uses: one copy of each message crosses each.</summary>
    public int EdgeCount => _parents.Count;

    /// <summary>Whether <paramref name="gateway"/> is on the tree.</summary>
    public bool Contains(GatewayId gateway) => _distances.ContainsKey(gateway);

    /// <summary>Whether <paramref name="gateway"/> is an interested gateway the tree reaches.</summary>
    public bool IsMember(GatewayId gateway) => _members.Contains(gateway);

    /// <summary>
    /// The gateway <paramref name="gateway"/> receives the group's messages from; false for the
    /// source and for gateways off the tree (RFC 7046 parentSet).
    /// </summary>
    public bool TryGetParent(GatewayId gateway, out GatewayId parent) => _parents.TryGetValue(gateway, out parent);

    /// <summary>
    /// The gateways <paramref name="gateway"/> forwards the group's messages to, sorted by id;
    /// empty for leaves and gateways off the tree (RFC 7046 childrenSet). These are its next hops.
    /// </summary>
    public IReadOnlyList<GatewayId> ChildrenOf(GatewayId gateway) =>
        _children.TryGetValue(gateway, out var children) ? children : [];

    /// <summary>The total cost, in microseconds, of the path from the source to <paramref name="gateway"/>.</summary>
    public bool TryGetDistance(GatewayId gateway, out ulong costMicroseconds) => _distances.TryGetValue(gateway, out costMicroseconds);

    public override string ToString() => $"tree {Source} → {Group}: {Gateways.Count} gateways, {Members.Count} members, {EdgeCount} links";
}
