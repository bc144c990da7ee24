using Bridge.Core.Adapters;
using Bridge.Core.Configuration;
using Bridge.Host.Diagnostics;
using Bridge.Host.Node;

namespace Bridge.Host.Configuration;

/// <summary>
/// A validated node configuration (docs/configuration.md): the immutable runtime model of what
/// <c>gridcast run --config</c> runs. Only <see cref="NodeConfigurationLoader"/> makes one, after
/// the file was bound, validated and its files checked, so a value of this type is always
/// consistent: group references resolve, the role's keys fit the role. Records compare by value,
/// lists included, so the same file in YAML and JSON gives equal values.
/// </summary>
public sealed record NodeConfiguration
{
    /// <summary>The node's identity.</summary>
    public required NodeSection Node { get; init; }

    /// <summary>The groups the node knows, in file order; their ids are unique.</summary>
    public required IReadOnlyList<GroupDefinition> Groups { get; init; }

    /// <summary>The native multicast side.</summary>
    public required DomainSection Domain { get; init; }

    /// <summary>The gateway part, when this node is a gateway.</summary>
    public GatewaySection? Gateway { get; init; }

    /// <summary>The edge bridge part, when this node bridges adapters (MQTT, AMQP) and groups.</summary>
    public BridgeSection? Bridge { get; init; }

    /// <summary>Where the node's metrics and health go, when the file says.</summary>
    public MetricsSection? Metrics { get; init; }

    /// <summary>The key files of the node's secured groups, when the file has any.</summary>
    public Security.SecuritySection? Security { get; init; }

    /// <summary>The group defined with <paramref name="id"/>.</summary>
    /// <exception cref="KeyNotFoundException">No group has that id.</exception>
    public GroupDefinition Group(string id)
        => Groups.FirstOrDefault(g => g.Id == id) ?? throw new KeyNotFoundException($"no group '{id}'");
}
