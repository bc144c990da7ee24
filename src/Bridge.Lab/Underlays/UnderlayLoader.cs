using System.Collections.Immutable;
using System.Text.Json;

namespace Bridge.Lab.Underlays;

/// <summary>
/// Reads a topology file (Topologies/README.md) into a validated <see cref="Underlay"/>.
/// </summary>
/// <remarks>
/// A link's length is the file's <c>km</c> when present (the shipped files give the great-circle
/// length for every link); when absent it is the great-circle distance between the endpoints'
/// coordinates, and the link records <see cref="LengthSource.GreatCircle"/>. Validation does not
/// stop at the first fault: every unknown endpoint, duplicate id, negative length and unreachable node
/// is reported in one <see cref="UnderlayException"/>.
/// </remarks>
public static class UnderlayLoader
{
    /// <summary>The DFN X-WiN backbone (Germany), for the DE setup.</summary>
    public const string Dfn = "dfn";

    /// <summary>The GÉANT 2012 backbone (Europe), for the EU setup.</summary>
    public const string Geant2012 = "geant2012";

    private const string ResourcePrefix = "Bridge.Lab.Topologies.";

    /// <summary>The names of the topologies embedded in this assembly.</summary>
    public static IReadOnlyList<string> EmbeddedNames { get; } = [Dfn, Geant2012];

    /// <summary>Loads an embedded topology by name (<see cref="Dfn"/>, <see cref="Geant2012"/>).</summary>
    public static Underlay LoadEmbedded(string name)
    {
        using var stream = typeof(UnderlayLoader).Assembly.GetManifestResourceStream(ResourcePrefix + name + ".json")
            ?? throw new ArgumentException($"no embedded topology '{name}'; known: {string.Join(", ", EmbeddedNames)}", nameof(name));
        return Load(stream, name);
    }

    /// <summary>Reads and validates a topology from a UTF-8 JSON stream.</summary>
    /// <param name="json">The file's content.</param>
    /// <param name="origin">Names the topology in errors when the file has no <c>name</c>.</param>
    public static Underlay Load(Stream json, string origin)
    {
        ArgumentNullException.ThrowIfNull(json);
        TopologyFile? file;
        try
        {
            file = JsonSerializer.Deserialize(json, TopologyJsonContext.Default.TopologyFile);
        }
        catch (JsonException e)
        {
            throw new UnderlayException($"topology '{origin}' is not valid JSON: {e.Message}", e);
        }

        return Build(file, origin);
    }

    /// <summary>Reads and validates a topology from a JSON string.</summary>
    public static Underlay Parse(string json, string origin = "inline")
    {
        using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json));
        return Load(stream, origin);
    }

    private static Underlay Build(TopologyFile? file, string origin)
    {
        var name = string.IsNullOrWhiteSpace(file?.Name) ? origin : file.Name;
        var errors = new List<string>();
        if (file?.Nodes is not { Count: > 0 } fileNodes)
        {
            throw new UnderlayException(name, ["it has no nodes"]);
        }

        var nodes = ImmutableArray.CreateBuilder<UnderlayNode>(fileNodes.Count);
        var indexById = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < fileNodes.Count; i++)
        {
            var n = fileNodes[i];
            if (string.IsNullOrWhiteSpace(n.Id))
            {
                errors.Add($"node #{i} has no id");
                continue;
            }

            if (indexById.ContainsKey(n.Id))
            {
                errors.Add($"node #{i}: duplicate id '{n.Id}'");
                continue;
            }

            if (n.Lat is not { } lat || n.Lon is not { } lon || !double.IsFinite(lat) || !double.IsFinite(lon) || Math.Abs(lat) > 90 || Math.Abs(lon) > 180)
            {
                errors.Add($"node '{n.Id}' has no valid lat/lon (lat {Show(n.Lat)}, lon {Show(n.Lon)})");
                continue;
            }

            indexById[n.Id] = nodes.Count;
            nodes.Add(new UnderlayNode(nodes.Count, n.Id, string.IsNullOrWhiteSpace(n.Name) ? n.Id : n.Name, lat, lon));
        }

        var links = ImmutableArray.CreateBuilder<UnderlayLink>();
        var seenPairs = new Dictionary<(int, int), int>();
        var fileLinks = file.Links ?? [];
        for (var i = 0; i < fileLinks.Count; i++)
        {
            var l = fileLinks[i];
            var label = $"link #{i} ({l.Source ?? "?"} - {l.Target ?? "?"})";
            var known = true;
            foreach (var end in new[] { l.Source, l.Target })
            {
                if (end is null || !indexById.ContainsKey(end))
                {
                    errors.Add($"{label}: unknown endpoint '{end ?? "(none)"}'");
                    known = false;
                }
            }

            if (!known)
            {
                continue;
            }

            var a = indexById[l.Source!];
            var b = indexById[l.Target!];
            if (a == b)
            {
                errors.Add($"{label}: both ends are the same node");
                continue;
            }

            // One link per node pair: routing and link stress treat a link as the pair it joins.
            var pair = (Math.Min(a, b), Math.Max(a, b));
            if (seenPairs.TryGetValue(pair, out var first))
            {
                errors.Add($"{label}: duplicates link #{first}");
                continue;
            }

            seenPairs[pair] = i;
            double km;
            LengthSource source;
            if (l.Km is { } given)
            {
                // Zero is real data: DFN joins co-located points of presence in Berlin and Hamburg.
                if (!double.IsFinite(given) || given < 0)
                {
                    errors.Add($"{label}: km must not be negative, is {given}");
                    continue;
                }

                (km, source) = (given, LengthSource.Data);
            }
            else
            {
                var (na, nb) = (nodes[a], nodes[b]);
                km = GreatCircle.DistanceKm(na.Latitude, na.Longitude, nb.Latitude, nb.Longitude);
                source = LengthSource.GreatCircle;
            }

            links.Add(new UnderlayLink(links.Count, a, b, km, source));
        }

        if (errors.Count == 0)
        {
            var unreachable = Unreachable(nodes.Count, links);
            if (unreachable.Count > 0)
            {
                errors.Add($"the graph is disconnected: {unreachable.Count} node(s) cannot be reached from '{nodes[0].Id}': "
                    + string.Join(", ", unreachable.Take(10).Select(i => $"'{nodes[i].Id}'"))
                    + (unreachable.Count > 10 ? ", ..." : string.Empty));
            }
        }

        if (errors.Count > 0)
        {
            throw new UnderlayException(name, errors);
        }

        return new Underlay(name, nodes.ToImmutable(), links.ToImmutable());
    }

    private static List<int> Unreachable(int nodeCount, IEnumerable<UnderlayLink> links)
    {
        var adjacent = new List<int>[nodeCount];
        for (var i = 0; i < nodeCount; i++)
        {
            adjacent[i] = [];
        }

        foreach (var link in links)
        {
            adjacent[link.Source].Add(link.Target);
            adjacent[link.Target].Add(link.Source);
        }

        var seen = new bool[nodeCount];
        var stack = new Stack<int>();
        stack.Push(0);
        seen[0] = true;
        while (stack.TryPop(out var node))
        {
            foreach (var next in adjacent[node])
            {
                if (!seen[next])
                {
                    seen[next] = true;
                    stack.Push(next);
                }
            }
        }

        return [.. Enumerable.Range(0, nodeCount).Where(i => !seen[i])];
    }

    private static string Show(double? value) =>
        value?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "missing";
}
