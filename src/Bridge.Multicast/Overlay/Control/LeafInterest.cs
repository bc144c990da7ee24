using Bridge.Multicast.Naming;
using Bridge.Multicast.Overlay.Routing;

namespace Bridge.Multicast.Overlay.Control;

/// <summary>
/// What a leaf gateway asks its upstream for, on their overlay link (docs/wire-format.md §5.1.2.2):
/// every group the leaf wants now, so an empty list withdraws them. <see cref="LeafInterestCodec"/>
/// gives the bytes.
/// </summary>
/// <param name="Leaf">The leaf's id, which must be the gateway at the other end of the link.</param>
/// <param name="Groups">The groups wanted now, each once, in wire form.</param>
public sealed record LeafInterest(GatewayId Leaf, IReadOnlyList<GroupName> Groups);
