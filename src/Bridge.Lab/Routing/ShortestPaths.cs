using System.Collections.Immutable;

namespace Bridge.Lab.Routing;

/// <summary>A route through a <see cref="Network"/>: the links in order from source to destination.</summary>
/// <param name="From">The source vertex.</param>
/// <param name="To">The destination vertex.</param>
/// <param name="Links">The links crossed, first to last; empty when From equals To.</param>
/// <param name="Delay">The sum of the links' delays.</param>
public sealed record NetworkPath(int From, int To, ImmutableArray<NetworkLink> Links, TimeSpan Delay);

/// <summary>
/// Shortest paths by delay (Dijkstra), one tree per source vertex, computed on first use and kept.
/// </summary>
/// <remarks>
/// Ties are broken so that the result does not depend on the order links were added or explored:
/// among paths of equal delay the one with fewer hops wins, and then the one whose last hop comes
/// from the lower vertex index. Every link delay is at least one tick (see <see cref="NetworkBuilder"/>),
/// so all candidate predecessors of a vertex are settled before it, and the rule sees all of them.
/// Paths are symmetric in delay but not necessarily in links: the path from a to b is the one in
/// a's tree. Not thread-safe.
/// </remarks>
public sealed class ShortestPaths
{
    private readonly Network _network;
    private readonly Tree?[] _trees;

    public ShortestPaths(Network network)
    {
        ArgumentNullException.ThrowIfNull(network);
        _network = network;
        _trees = new Tree?[network.VertexCount];
    }

    /// <summary>The network routed over.</summary>
    public Network Network => _network;

    /// <summary>The delay of the shortest path.</summary>
    public TimeSpan Delay(int from, int to) => TimeSpan.FromTicks(TreeOf(from).Distance[Check(to)]);

    /// <summary>The shortest path from one vertex to another.</summary>
    public NetworkPath Path(int from, int to)
    {
        var tree = TreeOf(from);
        var links = new List<NetworkLink>(tree.Hops[Check(to)]);
        for (var v = to; v != from;)
        {
            var link = tree.Via[v]!;
            links.Add(link);
            v = link.Other(v);
        }

        links.Reverse();
        return new NetworkPath(from, to, [.. links], TimeSpan.FromTicks(tree.Distance[to]));
    }

    private int Check(int vertex)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(vertex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(vertex, _network.VertexCount);
        return vertex;
    }

    private Tree TreeOf(int source) => _trees[Check(source)] ??= Build(source);

    private Tree Build(int source)
    {
        var n = _network.VertexCount;
        var distance = new long[n];
        var hops = new int[n];
        var from = new int[n];
        var via = new NetworkLink?[n];
        var settled = new bool[n];
        Array.Fill(distance, long.MaxValue);
        Array.Fill(from, int.MaxValue);
        distance[source] = 0;
        from[source] = -1;
        var queue = new PriorityQueue<int, (long Distance, int Hops, int Vertex)>();
        queue.Enqueue(source, (0, 0, source));
        while (queue.TryDequeue(out var u, out _))
        {
            if (settled[u])
            {
                continue;
            }

            settled[u] = true;
            foreach (var link in _network.LinksAt(u))
            {
                var v = link.Other(u);
                if (settled[v])
                {
                    continue;
                }

                var candidate = (distance[u] + link.Delay.Ticks, hops[u] + 1, u);
                if (candidate.CompareTo((distance[v], hops[v], from[v])) < 0)
                {
                    (distance[v], hops[v], from[v]) = candidate;
                    via[v] = link;
                    queue.Enqueue(v, (distance[v], hops[v], v));
                }
            }
        }

        var unreachable = Array.IndexOf(settled, false);
        if (unreachable >= 0)
        {
            throw new InvalidOperationException($"vertex {_network.VertexNames[unreachable]} cannot be reached from {_network.VertexNames[source]}");
        }

        return new Tree(distance, hops, via);
    }

    private sealed record Tree(long[] Distance, int[] Hops, NetworkLink?[] Via);
}
