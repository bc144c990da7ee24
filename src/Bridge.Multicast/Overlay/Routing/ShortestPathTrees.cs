using Bridge.Multicast.Naming;

namespace Bridge.Multicast.Overlay.Routing;

/// <summary>
/// Computes, from a <see cref="LinkStateDatabase"/>, the pruned source-rooted shortest-path tree
/// of each (source gateway, group), identically on every gateway that holds the same
/// advertisements, so that each message crosses each overlay link at most once and follows the
/// lowest-delay path (DESIGN.md §6).
/// </summary>
/// <remarks>
/// <para>
/// The computation is Dijkstra's algorithm from the source over the usable links (two-way,
/// agreed cost: see <see cref="LinkStateDatabase"/>), then pruning: a gateway stays on the tree
/// only if it is interested in the group or lies on the path from the source to one that is.
/// </para>
/// <para>
/// <b>Tie-break.</b> Distances are unique, but several neighbours may offer a gateway the same
/// least distance. The parent of gateway <c>v</c> is then the neighbour with the lowest
/// <see cref="GatewayId"/> (ordinal order) among those neighbours <c>u</c> for which
/// <c>distance(u) + cost(u, v) = distance(v)</c>. The rule depends only on the distances and the
/// ids, never on the order of installation or of the priority queue, so every gateway derives the
/// same parent for every gateway. Since costs are at least 1, a parent is strictly nearer the
/// source than its child, so parents never form a cycle.
/// </para>
/// <para>
/// Results are cached: the source's full shortest-path tree per
/// <see cref="LinkStateDatabase.TopologyVersion"/> (shared by all groups), the pruned tree per
/// <see cref="LinkStateDatabase.Version"/>. Any change to the database discards what it could
/// affect on the next query. Not thread-safe, like the database it reads.
/// </para>
/// </remarks>
public sealed class ShortestPathTrees
{
    /// <summary>Above this many cached pruned trees the cache starts afresh; they are cheap to recompute.</summary>
    private const int MaxCachedTrees = 4096;

    private readonly LinkStateDatabase _database;
    private readonly Dictionary<GatewayId, SourceTree> _sourceTrees = [];
    private readonly Dictionary<(GatewayId Source, GroupName Group), MulticastTree> _trees = [];
    private OverlayGraph? _graph;
    private long _graphVersion = -1;
    private long _treesVersion = -1;

    /// <summary>Trees over <paramref name="database"/>, following its later changes.</summary>
    public ShortestPathTrees(LinkStateDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
    }

    /// <summary>The pruned shortest-path tree from <paramref name="source"/> for <paramref name="group"/>.</summary>
    /// <remarks>A source without an advertisement (or without usable links) gets a tree of itself alone.</remarks>
    public MulticastTree GetTree(GatewayId source, GroupName group)
    {
        GatewayId.ThrowIfDefault(source, nameof(source));
        ArgumentNullException.ThrowIfNull(group);
        Refresh();
        if (!_trees.TryGetValue((source, group), out var tree))
        {
            if (_trees.Count >= MaxCachedTrees)
            {
                _trees.Clear();
            }

            tree = Prune(source, group);
            _trees.Add((source, group), tree);
        }

        return tree;
    }

    /// <summary>Where <paramref name="self"/> stands on the tree of (<paramref name="source"/>, <paramref name="group"/>).</summary>
    public TreePosition GetPosition(GatewayId self, GatewayId source, GroupName group)
    {
        GatewayId.ThrowIfDefault(self, nameof(self));
        var tree = GetTree(source, group);
        return new TreePosition(
            tree.Contains(self),
            tree.TryGetParent(self, out var parent) ? parent : null,
            tree.ChildrenOf(self),
            tree.IsMember(self));
    }

    /// <summary>
    /// The peers <paramref name="self"/> forwards a message of <paramref name="group"/> from
    /// <paramref name="source"/> to: its children on the tree, sorted by id.
    /// </summary>
    public IReadOnlyList<GatewayId> NextHops(GatewayId self, GatewayId source, GroupName group) =>
        GetPosition(self, source, group).Children;

    private void Refresh()
    {
        if (_graphVersion != _database.TopologyVersion || _graph is null)
        {
            _graph = OverlayGraph.From(_database);
            _graphVersion = _database.TopologyVersion;
            _sourceTrees.Clear();
            _trees.Clear();
        }

        if (_treesVersion != _database.Version)
        {
            _treesVersion = _database.Version;
            _trees.Clear();
        }
    }

    private MulticastTree Prune(GatewayId source, GroupName group)
    {
        var graph = _graph!;
        var parents = new Dictionary<GatewayId, GatewayId>();
        var children = new Dictionary<GatewayId, GatewayId[]>();
        var distances = new Dictionary<GatewayId, ulong> { [source] = 0 };
        var interested = _database.InterestedIn(group);

        if (!graph.TryGetIndex(source, out var root))
        {
            // No advertisement, so no usable link and no interest of its own: the tree is the source.
            return new MulticastTree(source, group, parents, children, distances, [source], []);
        }

        var spt = SourceTreeOf(graph, root);
        var onTree = new bool[graph.Ids.Length];
        onTree[root] = true;
        var members = new List<GatewayId>();
        foreach (var member in interested) // sorted by id
        {
            if (!graph.TryGetIndex(member, out var node) || spt.Distance[node] == ulong.MaxValue)
            {
                continue;
            }

            members.Add(member);
            while (!onTree[node])
            {
                onTree[node] = true;
                node = spt.Parent[node];
            }
        }

        var gateways = new List<GatewayId>();
        var childLists = new Dictionary<int, List<GatewayId>>();
        for (var node = 0; node < onTree.Length; node++) // id order, so children come out sorted
        {
            if (!onTree[node])
            {
                continue;
            }

            var id = graph.Ids[node];
            gateways.Add(id);
            distances[id] = spt.Distance[node];
            if (node != root)
            {
                var parent = spt.Parent[node];
                parents.Add(id, graph.Ids[parent]);
                if (!childLists.TryGetValue(parent, out var list))
                {
                    list = [];
                    childLists.Add(parent, list);
                }

                list.Add(id);
            }
        }

        foreach (var (parent, list) in childLists)
        {
            children.Add(graph.Ids[parent], [.. list]);
        }

        return new MulticastTree(source, group, parents, children, distances, [.. gateways], [.. members]);
    }

    private SourceTree SourceTreeOf(OverlayGraph graph, int root)
    {
        var id = graph.Ids[root];
        if (!_sourceTrees.TryGetValue(id, out var tree))
        {
            tree = SourceTree.Compute(graph, root);
            _sourceTrees.Add(id, tree);
        }

        return tree;
    }

    /// <summary>The unpruned shortest-path tree of one source: distance and parent of every node.</summary>
    private sealed class SourceTree
    {
        private SourceTree(ulong[] distance, int[] parent)
        {
            Distance = distance;
            Parent = parent;
        }

        /// <summary>Least total cost from the source; <see cref="ulong.MaxValue"/> where unreachable.</summary>
        public ulong[] Distance { get; }

        /// <summary>The parent by the tie-break rule of the class remarks; -1 at the source and where unreachable.</summary>
        public int[] Parent { get; }

        public static SourceTree Compute(OverlayGraph graph, int root)
        {
            var count = graph.Ids.Length;
            var distance = new ulong[count];
            var parent = new int[count];
            var settled = new bool[count];
            Array.Fill(distance, ulong.MaxValue);
            Array.Fill(parent, -1);
            distance[root] = 0;

            var queue = new PriorityQueue<int, ulong>();
            queue.Enqueue(root, 0);
            while (queue.TryDequeue(out var u, out var du))
            {
                if (settled[u] || du != distance[u])
                {
                    continue; // a superseded entry
                }

                settled[u] = true;
                var neighbors = graph.Neighbors[u];
                var costs = graph.Costs[u];
                for (var k = 0; k < neighbors.Length; k++)
                {
                    var v = neighbors[k];
                    if (settled[v])
                    {
                        // Costs are at least 1, so every u offering v its least distance is settled
                        // before v: v's parent is final once v is settled.
                        continue;
                    }

                    var through = du + costs[k];
                    if (through < distance[v])
                    {
                        distance[v] = through;
                        parent[v] = u;
                        queue.Enqueue(v, through);
                    }
                    else if (through == distance[v] && u < parent[v])
                    {
                        parent[v] = u; // equal cost: the lower id wins (indices follow id order)
                    }
                }
            }

            return new SourceTree(distance, parent);
        }
    }
}
