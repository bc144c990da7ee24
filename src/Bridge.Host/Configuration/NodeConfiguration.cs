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

/// <summary>
/// A group: the id rules and gateways refer to, its name (RFC 7046 URI, possibly with
/// placeholders such as <c>ham:sg:tariff.{region}</c>) and its settings.
/// </summary>
/// <param name="Id">The key under <c>groups</c>.</param>
/// <param name="Uri">The parsed <c>uri</c>.</param>
/// <param name="LastValue">Whether and how often a bridge repeats the group's last retained value; null when off.</param>
public sealed record GroupDefinition(string Id, GroupTemplate Uri, LastValueSettings? LastValue = null)
{
    /// <summary>Whether the URI has placeholders (then it names a family of groups, one per value).</summary>
    public bool IsTemplate => Uri.Name is null;

    /// <summary>The group, for a URI without placeholders.</summary>
    /// <exception cref="InvalidOperationException">The URI has placeholders.</exception>
    public GroupName Name => Uri.Name ?? throw new InvalidOperationException($"group '{Id}' ({Uri.Text}) has placeholders, so it names no single group");
}

/// <summary>
/// <c>groups.ID.lastValue</c>: the bridge that sends a retained (last-value) message into the
/// group sends the group's latest one again every <paramref name="Refresh"/>, so a bridge that
/// joins later has the current value within one interval.
/// </summary>
/// <param name="Refresh">How often the latest value is sent again.</param>
public sealed record LastValueSettings(TimeSpan Refresh)
{
    /// <summary>The interval of <c>lastValue: true</c>.</summary>
    public static TimeSpan DefaultRefresh { get; } = TimeSpan.FromSeconds(30);
}

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

    /// <summary>Whether the domain's interest in carried groups is learned from GridCast receivers' member reports.</summary>
    public bool LearnMembers { get; init; }

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

/// <summary>The MQTT protocol version a bridge speaks to its broker.</summary>
public enum MqttProtocol
{
    /// <summary>MQTT 3.1.1 (OASIS, 2014).</summary>
    V311,

    /// <summary>MQTT 5.0 (OASIS, 2019), the default: No Local keeps the bridge's own publications from coming back.</summary>
    V5,
}

/// <summary>The PEM files of TLS to or of an MQTT broker, as absolute paths; each may be absent.</summary>
/// <param name="Authority">The CA the broker's certificate must chain to; null for the system's trust store.</param>
/// <param name="Certificate">The client certificate (client mode) or the broker's certificate (embedded mode).</param>
/// <param name="Key">Its private key.</param>
public sealed record MqttTlsFiles(string? Authority, string? Certificate, string? Key);

/// <summary>
/// <c>bridge.mqtt</c>: the MQTT side, as a client of a broker (<see cref="Broker"/>) or as an
/// embedded broker (<see cref="Listen"/>). The loader checks and carries every key; which of them
/// the MQTT adapter honours is up to the adapter (docs/configuration.md).
/// </summary>
public sealed record MqttSection
{
    /// <summary>Client mode: the broker, <c>mqtt://</c> or <c>mqtts://</c>; null in embedded broker mode.</summary>
    public Uri? Broker { get; init; }

    /// <summary>Embedded broker mode: where it listens; null in client mode.</summary>
    public IPEndPoint? Listen { get; init; }

    /// <summary>The MQTT client id in client mode; null for a host- and process-unique one.</summary>
    public string? ClientId { get; init; }

    /// <summary>The protocol version in client mode.</summary>
    public MqttProtocol Protocol { get; init; } = MqttProtocol.V5;

    /// <summary>The user name in client mode.</summary>
    public string? Username { get; init; }

    /// <summary>The password, as written in the file.</summary>
    public string? Password { get; init; }

    /// <summary>The file holding the password (absolute path), instead of <see cref="Password"/>.</summary>
    public string? PasswordFile { get; init; }

    /// <summary>TLS material; null without a <c>tls</c> key.</summary>
    public MqttTlsFiles? Tls { get; init; }
}

/// <summary><c>bridge.amqp</c>: the AMQP side, a client of a broker such as RabbitMQ.</summary>
public sealed record AmqpSection
{
    /// <summary>The broker, <c>amqp://user:password@host:port/vhost</c> or <c>amqps://</c>.</summary>
    public required Uri Broker { get; init; }

    /// <summary>The topic exchange rules bind to and publish on.</summary>
    public required string Exchange { get; init; }

    /// <summary>The client id (names the connection and the queue); null for a host- and process-unique one.</summary>
    public string? ClientId { get; init; }

    /// <summary>How many unacknowledged deliveries the broker lets the bridge hold; null for the adapter's default.</summary>
    public int? Prefetch { get; init; }
}

/// <summary>The <c>bridge</c> section: an edge bridge between MQTT and/or AMQP and groups.</summary>
public sealed record BridgeSection
{
    /// <summary>The MQTT side, or null.</summary>
    public MqttSection? Mqtt { get; init; }

    /// <summary>The AMQP side, or null.</summary>
    public AmqpSection? Amqp { get; init; }

    /// <summary>The rules, in file order; together they form no loop (<see cref="MappingLoops"/>).</summary>
    public required IReadOnlyList<MappingRule> Rules { get; init; }

    /// <summary>The routing table of the rules.</summary>
    public RoutingTable ToRoutingTable() => new(Rules);

    /// <summary>
    /// The settings <see cref="BridgeService"/> runs with, on <paramref name="multicastInterface"/>,
    /// with the last-value settings of <paramref name="groups"/>.
    /// </summary>
    internal BridgeSettings ToSettings(MulticastInterface multicastInterface, IReadOnlyList<GroupDefinition> groups) => new()
    {
        Mqtt = Mqtt,
        Amqp = Amqp,
        Rules = ToRoutingTable(),
        Interface = multicastInterface,
        LastValues = [.. groups.Where(g => g.LastValue is not null).Select(g => (g.Uri, g.LastValue!.Refresh))],
    };
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
