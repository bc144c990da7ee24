using Bridge.Core.Adapters;
using Bridge.Core.Configuration;
using Bridge.Core.Mapping;
using Bridge.Core.Requests;
using Bridge.Core.Routing;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Security.Keys;
using Bridge.Multicast.Transports.Ip;

namespace Bridge.Host.Bridging;

/// <summary>How a bridge runs: its adapter sides, its rules, its interface and which groups repeat their last value.</summary>
internal sealed record BridgeSettings
{
    /// <summary>The settings of each side, one per adapter kind the bridge runs.</summary>
    public IReadOnlyList<AdapterSettings> Adapters { get; init; } = [];

    /// <summary>The rules of every side; each side runs the part <see cref="RoutingTable.ForKind"/> gives it.</summary>
    public required RoutingTable Rules { get; init; }

    /// <summary>The interface groups are joined and sent on.</summary>
    public required MulticastInterface Interface { get; init; }

    /// <summary>The groups (templates) whose last value this bridge sends again, and how often.</summary>
    public IReadOnlyList<(GroupTemplate Group, TimeSpan Refresh)> LastValues { get; init; } = [];

    /// <summary>The groups (without placeholders) marked <c>reliable: true</c>: the bridge repairs what it sends and NACKs what it misses.</summary>
    public IReadOnlyList<GroupName> Reliable { get; init; } = [];

    /// <summary>The domain's control-plane key ring (<c>domain.keyFile</c>): member reports are tagged with it; null leaves them untagged.</summary>
    public KeyRing? DomainKeys { get; init; }

    /// <summary>The request rules of every side (<c>bridge.requests</c>).</summary>
    public IReadOnlyList<RequestRule> Requests { get; init; } = [];

    /// <summary>
    /// The secured groups' protections (<c>groups.ID.security</c> with <c>security.keys</c>),
    /// applied to the bridge's socket when it starts; a reload does not change them.
    /// </summary>
    public IReadOnlyDictionary<Bridge.Multicast.Naming.GroupName, Bridge.Multicast.Security.GroupProtection> Protections { get; init; }
        = new Dictionary<Bridge.Multicast.Naming.GroupName, Bridge.Multicast.Security.GroupProtection>();

    /// <summary>The request rules the <paramref name="kind"/> side serves.</summary>
    public IReadOnlyList<RequestRule> RequestsFor(string kind) => [.. Requests.Where(r => r.Kind == kind)];

    /// <summary>The settings of the <paramref name="kind"/> side, or null when the bridge runs none.</summary>
    public AdapterSettings? Adapter(string kind) => Adapters.FirstOrDefault(a => a.Kind == kind);

    /// <summary>
    /// The settings a validated <paramref name="bridge"/> section stands for, on
    /// <paramref name="multicastInterface"/>, with the last-value settings of <paramref name="groups"/>.
    /// </summary>
    public static BridgeSettings From(BridgeSection bridge, MulticastInterface multicastInterface, IReadOnlyList<GroupDefinition> groups) => new()
    {
        Adapters = bridge.Adapters,
        Rules = bridge.ToRoutingTable(),
        Requests = bridge.Requests,
        Interface = multicastInterface,
        LastValues = [.. groups.Where(g => g.LastValue is not null).Select(g => (g.Uri, g.LastValue!.Refresh))],
        Reliable = [.. groups.Where(g => g.Reliability is not null && !g.IsTemplate).Select(g => g.Name)],
    };
}
