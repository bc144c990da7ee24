using System.Collections.Immutable;
using Bridge.Lab.Placement;
using Bridge.Lab.Routing;
using Bridge.Lab.Schemes;
using Bridge.Lab.Underlays;

namespace Bridge.Lab.CrossCheck;

/// <summary>
/// A static route of the realised backbone: at backbone router <see cref="Router"/>, traffic for
/// site <see cref="Site"/> leaves over <see cref="Via"/> towards <see cref="NextHop"/>.
/// </summary>
/// <param name="Router">The router's vertex (a backbone node index).</param>
/// <param name="Site">The destination site's index in the placement.</param>
/// <param name="Via">The backbone link the traffic leaves over.</param>
/// <param name="NextHop">The router at the other end of <paramref name="Via"/>.</param>
public sealed record CrossCheckRoute(int Router, int Site, NetworkLink Via, int NextHop);

/// <summary>
/// The reduced DE scenario that real hosts repeat (docs/evaluation.md, "Cross-check on real
/// hosts"): a few DFN sites placed by the lab's seeded rule, a few group nodes per site, PG or HG
/// run on the simulator, and what a network of namespaces needs to carry the same traffic over the
/// same underlay links: the backbone routers and links the sites' traffic can cross, and static
/// routes that follow the lab's shortest paths.
/// </summary>
/// <remarks>
/// <para>Routes are per destination: a router sends traffic for site d to its parent in d's
/// shortest-path tree, so a packet from site a to site d crosses the links of the lab's path
/// from d to a, backwards. The simulator counts a relay from a to d on the path from a to d. The
/// two are the same links whenever the lab's routing is symmetric for the pair, which
/// <see cref="Build"/> checks for every overlay link and refuses to go on without.</para>
/// <para>The overlay is the minimum spanning tree of the sites (no extra nearest neighbours) by
/// default: the real gateways cost their links by the round-trip times they measure, which on
/// veth pairs are microseconds of noise rather than DFN's milliseconds, so on an overlay with
/// cycles their trees could differ from the simulator's. On a tree overlay every source-rooted
/// tree is the overlay itself, whatever the costs.</para>
/// </remarks>
public sealed class CrossCheckScenario
{
    /// <summary>Sites of the default scenario (the issue asks for at least five).</summary>
    public const int DefaultSites = 5;

    /// <summary>Group nodes per site of the default scenario.</summary>
    public const int DefaultNodesPerSite = 2;

    /// <summary>The placement's seed of the default scenario.</summary>
    public const int DefaultSeed = 1;

    private CrossCheckScenario(LabNetwork lab, HybridDeployment deployment, int overlayNeighbours, ImmutableArray<(int A, int B)> overlay, ImmutableArray<int> routers, ImmutableArray<NetworkLink> backboneLinks, ImmutableArray<CrossCheckRoute> routes, SchemeResult simulated)
    {
        Lab = lab;
        Deployment = deployment;
        OverlayNeighbours = overlayNeighbours;
        Overlay = overlay;
        Routers = routers;
        BackboneLinks = backboneLinks;
        Routes = routes;
        Simulated = simulated;
    }

    /// <summary>The placed network (DFN with the reduced setup).</summary>
    public LabNetwork Lab { get; }

    /// <summary>PG or HG.</summary>
    public HybridDeployment Deployment { get; }

    /// <summary>Nearest sites each gateway peers with beyond the spanning tree.</summary>
    public int OverlayNeighbours { get; }

    /// <summary>The overlay links as pairs of site indices (lower first).</summary>
    public ImmutableArray<(int A, int B)> Overlay { get; }

    /// <summary>The backbone routers to realise (vertices, ascending): every router on a path between two sites.</summary>
    public ImmutableArray<int> Routers { get; }

    /// <summary>The backbone links to realise (by index): every link on a path between two sites.</summary>
    public ImmutableArray<NetworkLink> BackboneLinks { get; }

    /// <summary>The static routes, by router and then site.</summary>
    public ImmutableArray<CrossCheckRoute> Routes { get; }

    /// <summary>The deployment's first message on the simulator: copies per link and the receivers' delays.</summary>
    public SchemeResult Simulated { get; }

    /// <summary>The group nodes at a site, in index order.</summary>
    public ImmutableArray<int> NodesAt(int site) =>
        [.. Lab.Placement.Nodes.Where(n => n.Site == site).Select(n => n.Index)];

    /// <summary>The simulator's copies of the message on a link.</summary>
    public int SimulatedCopies(NetworkLink link) => Simulated.LinkStress.CopiesOn(link);

    /// <summary>The reduced setup: <paramref name="sites"/> DFN sites with <paramref name="nodesPerSite"/> group nodes each.</summary>
    public static LabSetup Setup(int sites, int nodesPerSite)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sites, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(nodesPerSite, 1);
        return new LabSetup($"DE-{sites}", UnderlayLoader.Dfn, sites, sites * nodesPerSite);
    }

    /// <summary>Places the reduced DE setup, runs the deployment on the simulator and plans the backbone to realise.</summary>
    /// <exception cref="InvalidOperationException">The lab's routing is not symmetric on an overlay link, so real routes could not follow the simulator's paths.</exception>
    public static CrossCheckScenario Build(int seed = DefaultSeed, int sites = DefaultSites, int nodesPerSite = DefaultNodesPerSite, int overlayNeighbours = 0, HybridDeployment deployment = HybridDeployment.ProviderGateways)
    {
        var lab = LabNetwork.ForSetup(Setup(sites, nodesPerSite), seed);
        var overlay = OverlayTopology.Build(lab, overlayNeighbours);
        foreach (var (a, b) in overlay)
        {
            var there = LinkSet(lab.Routes.Path(lab.SiteVertex(a), lab.SiteVertex(b)));
            var back = LinkSet(lab.Routes.Path(lab.SiteVertex(b), lab.SiteVertex(a)));
            if (!there.SetEquals(back))
            {
                throw new InvalidOperationException(
                    $"seed {seed}: the lab routes {lab.Placement.Sites[a].Backbone.Name} to {lab.Placement.Sites[b].Backbone.Name} "
                    + "over other links than back, so real routes cannot follow both; choose another seed");
            }
        }

        var routers = new SortedSet<int>();
        var links = new SortedDictionary<int, NetworkLink>();
        for (var d = 0; d < sites; d++)
        {
            for (var a = 0; a < sites; a++)
            {
                if (a == d)
                {
                    continue;
                }

                var path = lab.Routes.Path(lab.SiteVertex(d), lab.SiteVertex(a));
                routers.Add(path.From);
                foreach (var link in path.Links)
                {
                    links[link.Index] = link;
                    routers.Add(link.A);
                    routers.Add(link.B);
                }
            }
        }

        var routes = ImmutableArray.CreateBuilder<CrossCheckRoute>();
        foreach (var router in routers)
        {
            for (var site = 0; site < sites; site++)
            {
                var destination = lab.SiteVertex(site);
                if (destination == router)
                {
                    continue;
                }

                // The router's parent in the destination's tree; a router off that tree's paths
                // to the sites never sees traffic for the destination and needs no route.
                var toParent = lab.Routes.Path(destination, router).Links[^1];
                if (links.ContainsKey(toParent.Index))
                {
                    routes.Add(new CrossCheckRoute(router, site, toParent, toParent.Other(router)));
                }
            }
        }

        var run = HybridScheme.Run(lab, deployment, seed, new HybridOptions { Messages = 1, OverlayNeighbours = overlayNeighbours });
        return new CrossCheckScenario(lab, deployment, overlayNeighbours, overlay, [.. routers], [.. links.Values], routes.ToImmutable(), run.Result);
    }

    private static HashSet<int> LinkSet(NetworkPath path) => [.. path.Links.Select(l => l.Index)];
}
