namespace Bridge.Multicast.Overlay.Routing;

/// <summary>
/// One gateway's place on the tree of a (source, group): where the group's messages come from
/// and where it sends them on. What the RFC 7046 service calls parentSet and childrenSet answer.
/// </summary>
/// <param name="OnTree">Whether the gateway is on the tree at all.</param>
/// <param name="Parent">The upstream gateway; null at the source and off the tree.</param>
/// <param name="Children">The next hops, sorted by id; empty at leaves and off the tree.</param>
/// <param name="IsMember">Whether the gateway's own domain wants the group (deliver natively).</param>
public readonly record struct TreePosition(bool OnTree, GatewayId? Parent, IReadOnlyList<GatewayId> Children, bool IsMember);
