using System.Collections.Immutable;
using Bridge.Lab.Routing;
using Bridge.Lab.Underlays;

namespace Bridge.Lab.Placement;

/// <summary>
/// A placed setup as a routable network: the backbone's routers, then the source host, then one
/// host per group node, each host on its own access link to its site's backbone router.
/// </summary>
/// <remarks>
/// Vertex i &lt; backbone node count is underlay node i. Every host (the source included) has its
/// own access link, so a copy to a node at the source's own site still crosses two access links
/// (source up, node down) and meets the site's backbone router: hosts at a site are homes behind
/// one provider's point of presence, not machines on one LAN.
/// </remarks>
public sealed class LabNetwork
{
    // By host vertex − backbone node count: the source's first, then the group nodes' in order.
    private readonly ImmutableArray<NetworkLink> _accessLinks;

    private LabNetwork(Underlay underlay, SitePlacement placement, DelayModel delays, Network network, int source, ImmutableArray<int> nodes, ImmutableArray<NetworkLink> access)
    {
        Underlay = underlay;
        Placement = placement;
        Delays = delays;
        Network = network;
        SourceVertex = source;
        NodeVertices = nodes;
        _accessLinks = access;
        Routes = new ShortestPaths(network);
    }

    /// <summary>The backbone.</summary>
    public Underlay Underlay { get; }

    /// <summary>Where sites and nodes sit.</summary>
    public SitePlacement Placement { get; }

    /// <summary>The delay model the link delays came from.</summary>
    public DelayModel Delays { get; }

    /// <summary>The routable graph.</summary>
    public Network Network { get; }

    /// <summary>Shortest paths over <see cref="Network"/>.</summary>
    public ShortestPaths Routes { get; }

    /// <summary>The source host's vertex.</summary>
    public int SourceVertex { get; }

    /// <summary>The vertex of each group node, by <see cref="GroupNode.Index"/>.</summary>
    public ImmutableArray<int> NodeVertices { get; }

    /// <summary>The backbone router vertex of a site.</summary>
    public int SiteVertex(int site) => Placement.Sites[site].Backbone.Index;

    /// <summary>
    /// The backbone link a network link stands for, or null for an access link. Backbone links
    /// keep their underlay index: network link i is underlay link i.
    /// </summary>
    public UnderlayLink? UnderlayLinkOf(NetworkLink link)
    {
        ArgumentNullException.ThrowIfNull(link);
        return link.Kind == LinkKind.Backbone ? Underlay.Links[link.Index] : null;
    }

    /// <summary>The access link of a host vertex (the source or a group node).</summary>
    public NetworkLink AccessLinkOf(int hostVertex)
    {
        var first = Underlay.Nodes.Length;
        ArgumentOutOfRangeException.ThrowIfLessThan(hostVertex, first);
        return _accessLinks[hostVertex - first];
    }

    /// <summary>Builds the network of a placement on its underlay.</summary>
    public static LabNetwork Build(Underlay underlay, SitePlacement placement, DelayModel? delays = null)
    {
        ArgumentNullException.ThrowIfNull(underlay);
        ArgumentNullException.ThrowIfNull(placement);
        delays ??= DelayModel.Default;
        var builder = new NetworkBuilder();
        foreach (var node in underlay.Nodes)
        {
            builder.AddVertex(node.Name);
        }

        foreach (var link in underlay.Links)
        {
            builder.AddLink(link.Source, link.Target, delays.Propagation(link.Km), LinkKind.Backbone);
        }

        var access = ImmutableArray.CreateBuilder<NetworkLink>();
        var source = builder.AddVertex($"source@{placement.SourceSite.Backbone.Name}");
        access.Add(builder.AddLink(source, placement.SourceSite.Backbone.Index, delays.AccessDelay, LinkKind.Access));
        var nodes = ImmutableArray.CreateBuilder<int>(placement.Nodes.Length);
        foreach (var node in placement.Nodes)
        {
            var site = placement.Sites[node.Site].Backbone;
            var vertex = builder.AddVertex($"node{node.Index}@{site.Name}");
            access.Add(builder.AddLink(vertex, site.Index, delays.AccessDelay, LinkKind.Access));
            nodes.Add(vertex);
        }

        return new LabNetwork(underlay, placement, delays, builder.Build(), source, nodes.MoveToImmutable(), access.ToImmutable());
    }

    /// <summary>Loads a setup's underlay, places it with the seed and builds its network.</summary>
    public static LabNetwork ForSetup(LabSetup setup, int seed, DelayModel? delays = null)
    {
        ArgumentNullException.ThrowIfNull(setup);
        var underlay = setup.LoadUnderlay();
        return Build(underlay, SitePlacement.Place(underlay, setup, seed), delays);
    }
}
