using System.Text.Json.Serialization;

namespace Bridge.Lab.Underlays;

/// <summary>
/// The topology file as written (Topologies/README.md): everything optional here, so that a
/// missing field becomes a named validation error rather than a default value.
/// </summary>
internal sealed record TopologyFile(string? Name, IReadOnlyList<TopologyFileNode>? Nodes, IReadOnlyList<TopologyFileLink>? Links);

internal sealed record TopologyFileNode(string? Id, string? Name, double? Lat, double? Lon);

internal sealed record TopologyFileLink(string? Source, string? Target, double? Km);

[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = true, ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip)]
[JsonSerializable(typeof(TopologyFile))]
internal sealed partial class TopologyJsonContext : JsonSerializerContext;
