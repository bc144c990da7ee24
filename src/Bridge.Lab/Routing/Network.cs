using System.Collections.Immutable;

namespace Bridge.Lab.Routing;

/// <summary>What a network link stands for.</summary>
public enum LinkKind
{
    /// <summary>A link of the backbone topology.</summary>
    Backbone,

    /// <summary>A host's link to its site's backbone router.</summary>
    Access,
}

/// <summary>An undirected link of a <see cref="Network"/>, with its one-way delay (the same both ways).</summary>
/// <param name="Index">Position in <see cref="Network.Links"/>; link stress is counted per index.</param>
/// <param name="A">One end (vertex index).</param>
/// <param name="B">The other end (vertex index).</param>
/// <param name="Delay">One-way propagation delay, at least one tick.</param>
/// <param name="Kind">Backbone or access.</param>
public sealed record NetworkLink(int Index, int A, int B, TimeSpan Delay, LinkKind Kind)
{
    /// <summary>The end that is not <paramref name="vertex"/>.</summary>
    public int Other(int vertex) => vertex == A ? B : vertex == B ? A : throw new ArgumentException($"vertex {vertex} is not an end of link {Index}", nameof(vertex));
}

/// <summary>
/// The graph that messages are routed over: vertices (backbone routers and hosts) joined by
/// undirected links with delays. Immutable; built with <see cref="NetworkBuilder"/>.
/// </summary>
public sealed class Network
{
    private readonly ImmutableArray<ImmutableArray<NetworkLink>> _incident;

    internal Network(ImmutableArray<string> vertexNames, ImmutableArray<NetworkLink> links)
    {
        VertexNames = vertexNames;
        Links = links;
        var incident = new List<NetworkLink>[vertexNames.Length];
        for (var i = 0; i < incident.Length; i++)
        {
            incident[i] = [];
        }

        foreach (var link in links)
        {
            incident[link.A].Add(link);
            incident[link.B].Add(link);
        }

        _incident = [.. incident.Select(l => l.ToImmutableArray())];
    }

    /// <summary>A name per vertex, for tables and errors.</summary>
    public ImmutableArray<string> VertexNames { get; }

    /// <summary>Number of vertices.</summary>
    public int VertexCount => VertexNames.Length;

    /// <summary>The links, by index.</summary>
    public ImmutableArray<NetworkLink> Links { get; }

    /// <summary>The links that end at a vertex, in the order they were added.</summary>
    public ImmutableArray<NetworkLink> LinksAt(int vertex) => _incident[vertex];

    /// <summary>A readable name for a link: "A - B".</summary>
    public string Describe(NetworkLink link)
    {
        ArgumentNullException.ThrowIfNull(link);
        return $"{VertexNames[link.A]} - {VertexNames[link.B]}";
    }
}

/// <summary>Collects vertices and links for a <see cref="Network"/>.</summary>
public sealed class NetworkBuilder
{
    private readonly List<string> _names = [];
    private readonly List<NetworkLink> _links = [];

    /// <summary>Adds a vertex and returns its index.</summary>
    public int AddVertex(string name)
    {
        _names.Add(name);
        return _names.Count - 1;
    }

    /// <summary>Adds an undirected link and returns it.</summary>
    public NetworkLink AddLink(int a, int b, TimeSpan delay, LinkKind kind)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(a);
        ArgumentOutOfRangeException.ThrowIfNegative(b);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(a, _names.Count);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(b, _names.Count);
        if (a == b)
        {
            throw new ArgumentException($"a link needs two different ends, both are {_names[a]}", nameof(b));
        }

        // A zero delay would let a path grow without costing anything, which breaks the
        // router's tie-break (every predecessor must be settled before the vertex it leads to).
        if (delay <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(delay), delay, "a link's delay must be positive");
        }

        var link = new NetworkLink(_links.Count, a, b, delay, kind);
        _links.Add(link);
        return link;
    }

    /// <summary>The immutable network.</summary>
    public Network Build() => new([.. _names], [.. _links]);
}
