using System.Collections.Immutable;
using Bridge.Lab.Placement;

namespace Bridge.Lab.Schemes;

/// <summary>
/// Which sites' transit gateways peer with each other (docs/evaluation.md, "Hybrid schemes").
/// </summary>
/// <remarks>
/// Operators configure overlay peers by hand, and they peer with gateways that are near, not with
/// everyone: a full mesh would let the source's gateway send one copy per site over its own
/// backbone links, which is n-times unicast again. The rule here: every site peers with its
/// <c>neighbours</c> nearest sites by underlay delay, and the minimum spanning tree of the
/// site-to-site delays is added so that the overlay is connected even where the nearest
/// neighbours form islands. Ties go to the lower site index, so a placement gives one overlay.
/// </remarks>
public static class OverlayTopology
{
    /// <summary>The overlay links as pairs of site indices (lower first), sorted.</summary>
    public static ImmutableArray<(int A, int B)> Build(LabNetwork lab, int neighbours)
    {
        ArgumentNullException.ThrowIfNull(lab);
        ArgumentOutOfRangeException.ThrowIfNegative(neighbours);
        var sites = lab.Placement.Sites.Length;
        var delay = new long[sites, sites];
        for (var a = 0; a < sites; a++)
        {
            for (var b = 0; b < sites; b++)
            {
                delay[a, b] = lab.Routes.Delay(lab.SiteVertex(a), lab.SiteVertex(b)).Ticks;
            }
        }

        var links = new SortedSet<(int A, int B)>();
        for (var a = 0; a < sites; a++)
        {
            var site = a;
            foreach (var b in Enumerable.Range(0, sites).Where(b => b != site).OrderBy(b => delay[site, b]).ThenBy(b => b).Take(neighbours))
            {
                links.Add((Math.Min(a, b), Math.Max(a, b)));
            }
        }

        // Prim's algorithm from site 0; of equal delays the lower (inside, outside) pair wins.
        var inside = new bool[sites];
        inside[0] = true;
        for (var added = 1; added < sites; added++)
        {
            var best = (A: -1, B: -1);
            for (var a = 0; a < sites; a++)
            {
                for (var b = 0; b < sites && inside[a]; b++)
                {
                    if (!inside[b] && (best.A < 0 || delay[a, b] < delay[best.A, best.B]))
                    {
                        best = (a, b);
                    }
                }
            }

            inside[best.B] = true;
            links.Add((Math.Min(best.A, best.B), Math.Max(best.A, best.B)));
        }

        return [.. links];
    }
}
