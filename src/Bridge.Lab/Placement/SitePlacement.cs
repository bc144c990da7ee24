using System.Collections.Immutable;
using Bridge.Lab.Underlays;

namespace Bridge.Lab.Placement;

/// <summary>A site: a place with group nodes, attached to one backbone node.</summary>
/// <param name="Index">Position in <see cref="SitePlacement.Sites"/> (the order of drawing).</param>
/// <param name="Backbone">The backbone node the site's access links end at.</param>
public sealed record Site(int Index, UnderlayNode Backbone);

/// <summary>A group node (receiver) and the site it sits at.</summary>
/// <param name="Index">Position in <see cref="SitePlacement.Nodes"/>.</param>
/// <param name="Site">Index of its site.</param>
public sealed record GroupNode(int Index, int Site);

/// <summary>
/// Where a setup's sites and nodes sit on an underlay (docs/evaluation.md, "Placement").
/// </summary>
/// <remarks>
/// The rule: the underlay's nodes in file order are shuffled by a Fisher–Yates shuffle driven by
/// <c>new Random(seed)</c>, and the first <c>Sites</c> become the sites, in that order (a seeded
/// sample without replacement, so every backbone node is equally likely to host a site). Node i
/// sits at site i mod Sites, so the sites hold Nodes / Sites nodes each (the first sites one more
/// when it does not divide). The source is not a group node: it is a host of its own at the first
/// site drawn. A seeded <see cref="Random"/> keeps its legacy algorithm, whose sequence .NET has not
/// changed; a test pins the DE sites for one seed, so a change would show.
/// </remarks>
public sealed class SitePlacement
{
    private SitePlacement(LabSetup setup, int seed, ImmutableArray<Site> sites, ImmutableArray<GroupNode> nodes)
    {
        Setup = setup;
        Seed = seed;
        Sites = sites;
        Nodes = nodes;
    }

    /// <summary>The setup placed.</summary>
    public LabSetup Setup { get; }

    /// <summary>The seed of the draw.</summary>
    public int Seed { get; }

    /// <summary>The sites in the order drawn.</summary>
    public ImmutableArray<Site> Sites { get; }

    /// <summary>The group nodes.</summary>
    public ImmutableArray<GroupNode> Nodes { get; }

    /// <summary>The site of the source (the first site drawn).</summary>
    public Site SourceSite => Sites[0];

    /// <summary>Places a setup's sites and nodes on an underlay with the documented seeded rule.</summary>
    public static SitePlacement Place(Underlay underlay, LabSetup setup, int seed)
    {
        ArgumentNullException.ThrowIfNull(underlay);
        ArgumentNullException.ThrowIfNull(setup);
        if (setup.Sites < 1 || setup.Sites > underlay.Nodes.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(setup), setup.Sites, $"setup {setup.Name} needs 1 to {underlay.Nodes.Length} sites on '{underlay.Name}'");
        }

        if (setup.Nodes < setup.Sites)
        {
            throw new ArgumentOutOfRangeException(nameof(setup), setup.Nodes, $"setup {setup.Name} needs at least one node per site");
        }

        var order = underlay.Nodes.ToArray();
        var random = new Random(seed);
        // Only the first Sites positions are needed, so the shuffle stops there.
        for (var i = 0; i < setup.Sites; i++)
        {
            var j = random.Next(i, order.Length);
            (order[i], order[j]) = (order[j], order[i]);
        }

        var sites = order.Take(setup.Sites).Select((node, i) => new Site(i, node)).ToImmutableArray();
        var nodes = Enumerable.Range(0, setup.Nodes).Select(i => new GroupNode(i, i % setup.Sites)).ToImmutableArray();
        return new SitePlacement(setup, seed, sites, nodes);
    }
}
