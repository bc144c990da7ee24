namespace Bridge.Multicast.Overlay.Routing;

/// <summary>
/// A snapshot of the usable overlay graph of a <see cref="LinkStateDatabase"/> at one
/// <see cref="LinkStateDatabase.TopologyVersion"/>, indexed for path computation.
/// </summary>
/// <remarks>
/// Node indices follow gateway id order (index i &lt; j exactly when id i &lt; id j), so the
/// tie-break by id is a comparison of indices. Only gateways with an advertisement are nodes: a
/// gateway without one has no usable link by the two-way rule.
/// </remarks>
internal sealed class OverlayGraph
{
    private readonly Dictionary<GatewayId, int> _index;

    private OverlayGraph(GatewayId[] ids, int[][] neighbors, uint[][] costs)
    {
        Ids = ids;
        Neighbors = neighbors;
        Costs = costs;
        _index = new Dictionary<GatewayId, int>(ids.Length);
        for (var i = 0; i < ids.Length; i++)
        {
            _index.Add(ids[i], i);
        }
    }

    /// <summary>The nodes, sorted by id.</summary>
    public GatewayId[] Ids { get; }

    /// <summary>Per node, the indices of its usable neighbours, ascending.</summary>
    public int[][] Neighbors { get; }

    /// <summary>Per node, the agreed costs of the links in <see cref="Neighbors"/>, position by position.</summary>
    public uint[][] Costs { get; }

    public static OverlayGraph From(LinkStateDatabase database)
    {
        var advertisements = database.Advertisements; // sorted by origin
        var ids = advertisements.Select(static a => a.Origin).ToArray();
        var neighbors = new int[ids.Length][];
        var costs = new uint[ids.Length][];
        var graph = new OverlayGraph(ids, neighbors, costs);
        for (var i = 0; i < ids.Length; i++)
        {
            var adjacent = new List<int>();
            var prices = new List<uint>();
            foreach (var link in advertisements[i].Links) // sorted by neighbour, hence by index
            {
                if (database.TryGetUsableCost(ids[i], link.Neighbor, out var cost))
                {
                    adjacent.Add(graph._index[link.Neighbor]);
                    prices.Add(cost);
                }
            }

            neighbors[i] = [.. adjacent];
            costs[i] = [.. prices];
        }

        return graph;
    }

    public bool TryGetIndex(GatewayId id, out int index) => _index.TryGetValue(id, out index);
}
