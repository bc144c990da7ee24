using Bridge.Multicast.Overlay.Routing;

namespace Bridge.Simulation.Nodes;

/// <summary>
/// The gateway ↔ simulator node mapping of one run: how the node adapters of overlay machines
/// (<see cref="GatewaySimNode"/>, <c>FloodingNode</c>) turn a peer's gateway id into the node its
/// transmits go to, and the node a datagram came from into the peer's id.
/// </summary>
public sealed class GatewayDirectory
{
    private readonly Dictionary<GatewayId, NodeId> _nodes = [];
    private readonly Dictionary<NodeId, GatewayId> _gateways = [];

    public NodeId NodeOf(GatewayId gateway) => _nodes[gateway];

    public GatewayId GatewayOf(NodeId node) => _gateways[node];

    public void Add(GatewayId gateway, NodeId node)
    {
        _nodes.Add(gateway, node);
        _gateways.Add(node, gateway);
    }
}
