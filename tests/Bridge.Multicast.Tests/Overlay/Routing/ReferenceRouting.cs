using Bridge.Multicast.Overlay.Routing;

namespace Bridge.Multicast.Tests.Overlay.Routing;

/// <summary>
/// An independent answer to check the trees against: Bellman-Ford over a plain matrix built
/// from the raw overlay description (not from the database), with the rules of the design written
/// out again: a link counts only if both ends advertise it, and costs the larger advertised cost.
/// </summary>
internal sealed class ReferenceRouting
{
    public const ulong Unreachable = ulong.MaxValue;

    private ReferenceRouting(ulong[,] cost, ulong[] distance)
    {
        Cost = cost;
        Distance = distance;
    }

    /// <summary>Cost[a, b] of the two-way link between a and b; <see cref="Unreachable"/> if none.</summary>
    public ulong[,] Cost { get; }

    /// <summary>Least total cost from the source; <see cref="Unreachable"/> if there is no path.</summary>
    public ulong[] Distance { get; }

    /// <summary>
    /// Distances from <paramref name="source"/>, without the gateways in <paramref name="removed"/>
    /// and without the links (smaller index first) in <paramref name="withdrawn"/>.
    /// </summary>
    public static ReferenceRouting From(RandomOverlay overlay, int source, ISet<int>? removed = null, ISet<(int, int)>? withdrawn = null)
    {
        var n = overlay.Count;
        var cost = new ulong[n, n];
        for (var a = 0; a < n; a++)
        {
            for (var b = 0; b < n; b++)
            {
                cost[a, b] = Unreachable;
            }
        }

        foreach (var link in overlay.Links)
        {
            if (!link.OneWay && removed?.Contains(link.A) != true && removed?.Contains(link.B) != true
                && withdrawn?.Contains((Math.Min(link.A, link.B), Math.Max(link.A, link.B))) != true)
            {
                cost[link.A, link.B] = cost[link.B, link.A] = Math.Max(link.CostAB, link.CostBA);
            }
        }

        var distance = new ulong[n];
        Array.Fill(distance, Unreachable);
        distance[source] = 0;
        for (var round = 0; round < n; round++)
        {
            var changed = false;
            for (var a = 0; a < n; a++)
            {
                for (var b = 0; b < n; b++)
                {
                    if (distance[a] != Unreachable && cost[a, b] != Unreachable && distance[a] + cost[a, b] < distance[b])
                    {
                        distance[b] = distance[a] + cost[a, b];
                        changed = true;
                    }
                }
            }

            if (!changed)
            {
                break;
            }
        }

        return new ReferenceRouting(cost, distance);
    }

    /// <summary>The parent the documented tie-break prescribes: the lowest id among the neighbours on a shortest path.</summary>
    public GatewayId ExpectedParent(RandomOverlay overlay, int node)
    {
        GatewayId? best = null;
        for (var u = 0; u < overlay.Count; u++)
        {
            if (Distance[u] != Unreachable && Cost[u, node] != Unreachable && Distance[u] + Cost[u, node] == Distance[node]
                && (best is null || overlay.Ids[u] < best.Value))
            {
                best = overlay.Ids[u];
            }
        }

        return best ?? throw new InvalidOperationException($"{overlay.Ids[node]} has no parent");
    }
}
