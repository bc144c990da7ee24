using System.Collections;
using System.Collections.Immutable;
using System.Net;
using Bridge.Core.Mapping;
using Bridge.Core.Routing;
using Bridge.Host.Bridging;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Transports.Ip;

namespace Bridge.Host.Configuration;

/// <summary>
/// A validated node configuration (docs/configuration.md): what <c>gridcast run --config</c>
/// runs. Only <see cref="NodeConfigurationLoader"/> makes one, after every rule held, so a value
/// of this type is always consistent: group references resolve, the role's keys fit the role.
/// Records compare by value, lists included, so the same file in YAML and JSON gives equal values.
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

    /// <summary>The edge bridge part, when this node bridges MQTT.</summary>
    public BridgeSection? Bridge { get; init; }

    /// <summary>The group defined with <paramref name="id"/>.</summary>
    /// <exception cref="KeyNotFoundException">No group has that id.</exception>
    public GroupDefinition Group(string id)
        => Groups.FirstOrDefault(g => g.Id == id) ?? throw new KeyNotFoundException($"no group '{id}'");
}

/// <summary>The <c>node</c> section.</summary>
/// <param name="Id">The node id; a gateway's equals the CN of its certificate.</param>
public sealed record NodeSection(string Id);

/// <summary>A group: the id rules and gateways refer to, and its name (RFC 7046 URI).</summary>
/// <param name="Id">The key under <c>groups</c>.</param>
/// <param name="Name">The parsed <c>uri</c>.</param>
public sealed record GroupDefinition(string Id, GroupName Name);

/// <summary>The <c>domain</c> section: how the node meets its native multicast domain.</summary>
/// <param name="Interface">Interface name or address; null for the default.</param>
/// <param name="TimeToLive">IPv4 TTL / IPv6 hop limit of sent datagrams.</param>
/// <param name="Loopback">Whether this host's own receivers hear what it sends.</param>
public sealed record DomainSection(string? Interface, int TimeToLive, bool Loopback)
{
    /// <summary>The defaults, for a file without a <c>domain</c> section.</summary>
    public static DomainSection Default { get; } = new(null, 1, true);

    /// <summary>The IP module settings these values stand for.</summary>
    public IpMulticastOptions ToIpOptions() => new() { TimeToLive = TimeToLive, Loopback = Loopback };
}

/// <summary>A gateway's place in the overlay (DESIGN.md §6).</summary>
public enum GatewayRole
{
    /// <summary>Peers with other transit gateways and takes part in the link state.</summary>
    Transit,

    /// <summary>Attaches to one or two upstream transit gateways (a home gateway); no link state.</summary>
    Leaf,
}

/// <summary>A host name or IP address and a port, as written; DNS names are resolved when dialling.</summary>
/// <param name="Host">An IPv4 address, an IPv6 address (without brackets) or a DNS name.</param>
/// <param name="Port">1 to 65535.</param>
public sealed record HostPort(string Host, int Port)
{
    /// <summary><c>host:port</c>, with brackets around an IPv6 address.</summary>
    public override string ToString() => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}

/// <summary>A transit gateway's peer.</summary>
/// <param name="Id">The peer's node id (its certificate's CN).</param>
/// <param name="Address">Where to dial it; null when this gateway only accepts the peer's link.</param>
public sealed record PeerDefinition(string Id, HostPort? Address);

/// <summary>A leaf gateway's upstream transit gateway.</summary>
/// <param name="Id">The upstream's node id (its certificate's CN).</param>
/// <param name="Address">Where to dial it.</param>
public sealed record UpstreamDefinition(string Id, HostPort Address);

/// <summary>The PEM files of a gateway's overlay TLS, as absolute paths.</summary>
/// <param name="Certificate">This node's certificate.</param>
/// <param name="Key">Its private key.</param>
/// <param name="Authority">The CA certificate peers' certificates must chain to.</param>
public sealed record TlsFiles(string Certificate, string Key, string Authority);

/// <summary>The <c>gateway</c> section (DESIGN.md §6).</summary>
public sealed record GatewaySection
{
    /// <summary>Transit or leaf.</summary>
    public required GatewayRole Role { get; init; }

    /// <summary>The groups carried between the domain and the overlay.</summary>
    public required IReadOnlyList<GroupName> Carry { get; init; }

    /// <summary>Where a transit gateway accepts links; null for a leaf.</summary>
    public IPEndPoint? Listen { get; init; }

    /// <summary>The overlay TLS material.</summary>
    public required TlsFiles Tls { get; init; }

    /// <summary>A transit gateway's peers; empty for a leaf.</summary>
    public required IReadOnlyList<PeerDefinition> Peers { get; init; }

    /// <summary>Whether a transit gateway accepts links from leaf gateways.</summary>
    public bool AcceptLeaves { get; init; }

    /// <summary>A leaf gateway's one or two upstreams; empty for a transit gateway.</summary>
    public required IReadOnlyList<UpstreamDefinition> Upstreams { get; init; }

    /// <summary>How often a heartbeat goes over each link.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>A link without a heartbeat for this long is dead.</summary>
    public TimeSpan DeadAfter { get; init; } = TimeSpan.FromSeconds(4);

    /// <summary>Designated-gateway election priority, 0 to 255; the highest wins.</summary>
    public int Priority { get; init; } = 100;

    /// <summary>How often the gateways of a domain say hello to each other.</summary>
    public TimeSpan HelloInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>A gateway not heard from for this long is gone and the election runs again.</summary>
    public TimeSpan HoldTime { get; init; } = TimeSpan.FromMilliseconds(350);
}

/// <summary>Which way a bridge rule carries messages.</summary>
public enum RuleDirection
{
    /// <summary>MQTT messages on topics matching the filter go to the group.</summary>
    ToGroup,

    /// <summary>Messages of the group are published on the topic.</summary>
    FromGroup,
}

/// <summary>One rule of the <c>bridge</c> section.</summary>
/// <param name="Name">Unique name, used in errors and logs.</param>
/// <param name="Direction">To or from the group.</param>
/// <param name="Topic">The topic filter (to-group) or the topic to publish on (from-group).</param>
/// <param name="Group">The group, resolved from its id.</param>
public sealed record BridgeRule(string Name, RuleDirection Direction, string Topic, GroupName Group);

/// <summary>The <c>bridge</c> section: an MQTT edge bridge, as <c>gridcast bridge</c> runs it.</summary>
public sealed record BridgeSection
{
    /// <summary>Client mode: the broker to connect to; null in embedded broker mode.</summary>
    public Uri? Broker { get; init; }

    /// <summary>The MQTT client id in client mode; null for a host- and process-unique one.</summary>
    public string? ClientId { get; init; }

    /// <summary>Embedded broker mode: where it listens; null in client mode.</summary>
    public IPEndPoint? Listen { get; init; }

    /// <summary>The rules, in file order.</summary>
    public required IReadOnlyList<BridgeRule> Rules { get; init; }

    /// <summary>The routing table of the rules.</summary>
    public RoutingTable ToRoutingTable() => new(
        Rules.Where(r => r.Direction == RuleDirection.ToGroup).Select(r => new TopicToGroupRule(TopicFilter.Parse(r.Topic), r.Group)),
        Rules.Where(r => r.Direction == RuleDirection.FromGroup).Select(r => new GroupToTopicRule(r.Group, r.Topic)));

    /// <summary>The settings <see cref="BridgeService"/> runs with, on <paramref name="multicastInterface"/>.</summary>
    internal BridgeSettings ToSettings(MulticastInterface multicastInterface)
    {
        var settings = new BridgeSettings
        {
            Broker = Broker,
            ClientId = ClientId,
            Rules = ToRoutingTable(),
            Interface = multicastInterface,
        };
        return Listen is null ? settings : settings with { Listen = Listen };
    }
}

/// <summary>
/// A read-only list that compares by its items, so records holding lists compare by value.
/// </summary>
/// <typeparam name="T">The item type.</typeparam>
internal sealed class ValueList<T> : IReadOnlyList<T>, IEquatable<ValueList<T>>
{
    private readonly ImmutableArray<T> _items;

    public ValueList(IEnumerable<T> items) => _items = [.. items];

    public int Count => _items.Length;

    public T this[int index] => _items[index];

    public bool Equals(ValueList<T>? other) => other is not null && _items.SequenceEqual(other._items);

    public override bool Equals(object? obj) => obj is ValueList<T> other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var item in _items)
        {
            hash.Add(item);
        }

        return hash.ToHashCode();
    }

    public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)_items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => $"[{string.Join(", ", _items)}]";
}
