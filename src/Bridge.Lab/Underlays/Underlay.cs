using System.Collections.Frozen;
using System.Collections.Immutable;

namespace Bridge.Lab.Underlays;

/// <summary>A backbone router (point of presence) of an underlay.</summary>
/// <param name="Index">Position in <see cref="Underlay.Nodes"/>; routing works on indices.</param>
/// <param name="Id">The id from the topology file, unique within the underlay.</param>
/// <param name="Name">The short name from the topology file (a city or country code).</param>
/// <param name="Latitude">Degrees north.</param>
/// <param name="Longitude">Degrees east.</param>
public sealed record UnderlayNode(int Index, string Id, string Name, double Latitude, double Longitude);

/// <summary>Where a link's length came from.</summary>
public enum LengthSource
{
    /// <summary>The topology file gave <c>km</c>.</summary>
    Data,

    /// <summary>The file gave none; the great-circle distance between the endpoints is used.</summary>
    GreatCircle,
}

/// <summary>An undirected backbone link between two nodes of an underlay.</summary>
/// <param name="Index">Position in <see cref="Underlay.Links"/>.</param>
/// <param name="Source">Index of one endpoint (the file's <c>source</c>).</param>
/// <param name="Target">Index of the other endpoint (the file's <c>target</c>).</param>
/// <param name="Km">Length in kilometres; zero for co-located points of presence.</param>
/// <param name="LengthSource">Whether <paramref name="Km"/> came from the file or was computed.</param>
public sealed record UnderlayLink(int Index, int Source, int Target, double Km, LengthSource LengthSource);

/// <summary>
/// An immutable backbone: nodes with positions and undirected links with lengths. Built only by
/// <see cref="UnderlayLoader"/>, which guarantees unique ids, known endpoints, no self-loops or
/// parallel links, lengths of zero or more and a connected graph.
/// </summary>
public sealed class Underlay
{
    private readonly FrozenDictionary<string, UnderlayNode> _byId;
    private readonly ImmutableArray<ImmutableArray<UnderlayLink>> _incident;

    internal Underlay(string name, ImmutableArray<UnderlayNode> nodes, ImmutableArray<UnderlayLink> links)
    {
        Name = name;
        Nodes = nodes;
        Links = links;
        _byId = nodes.ToFrozenDictionary(n => n.Id, StringComparer.Ordinal);
        var incident = new List<UnderlayLink>[nodes.Length];
        for (var i = 0; i < incident.Length; i++)
        {
            incident[i] = [];
        }

        foreach (var link in links)
        {
            incident[link.Source].Add(link);
            incident[link.Target].Add(link);
        }

        _incident = [.. incident.Select(l => l.ToImmutableArray())];
    }

    /// <summary>The topology's name (the file's <c>name</c>).</summary>
    public string Name { get; }

    /// <summary>The nodes, in file order.</summary>
    public ImmutableArray<UnderlayNode> Nodes { get; }

    /// <summary>The links, in file order.</summary>
    public ImmutableArray<UnderlayLink> Links { get; }

    /// <summary>The node with the given file id.</summary>
    /// <exception cref="KeyNotFoundException">No node has that id.</exception>
    public UnderlayNode Node(string id) =>
        _byId.TryGetValue(id, out var node) ? node : throw new KeyNotFoundException($"underlay '{Name}' has no node '{id}'");

    /// <summary>The links that end at the node with the given index.</summary>
    public ImmutableArray<UnderlayLink> LinksAt(int nodeIndex) => _incident[nodeIndex];

    /// <summary>The number of links that end at the node with the given index.</summary>
    public int Degree(int nodeIndex) => _incident[nodeIndex].Length;
}
