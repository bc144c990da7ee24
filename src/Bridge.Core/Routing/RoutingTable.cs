using Bridge.Core.Mapping;
using Bridge.Multicast.Naming;

namespace Bridge.Core.Routing;

/// <summary>Where a group's message is published: the address and how (the guarantee of the rule that maps it).</summary>
/// <typeparam name="TAddress">The address type of the rules' kind.</typeparam>
/// <param name="Address">The address, in its kind's terms.</param>
/// <param name="Options">The publish options; the router sets <see cref="PublishOptions.Retain"/> per message.</param>
public readonly record struct EndpointRoute<TAddress>(TAddress Address, PublishOptions Options);

/// <summary>
/// The immutable rules a bridge runs with, in both directions. A table may hold rules of several
/// adapter kinds (the whole file); each side runs the part <see cref="ForKind"/> gives it.
/// </summary>
public sealed class RoutingTable
{
    /// <summary>Creates a table from mapping rules, in order.</summary>
    public RoutingTable(IEnumerable<MappingRule> rules)
    {
        Rules = [.. rules];
        ToGroup = [.. Rules.Where(r => r.IsToGroup)];
        FromGroup = [.. Rules.Where(r => r.IsFromGroup)];
    }

    /// <summary>Every rule, in the order given.</summary>
    public IReadOnlyList<MappingRule> Rules { get; }

    /// <summary>The rules with a to-group direction (to-group and both), in order.</summary>
    public IReadOnlyList<MappingRule> ToGroup { get; }

    /// <summary>The rules with a from-group direction (from-group and both), in order.</summary>
    public IReadOnlyList<MappingRule> FromGroup { get; }

    /// <summary>The concrete groups to join for the from-group direction, templates expanded over their values.</summary>
    public IEnumerable<GroupName> SourceGroups => FromGroup.SelectMany(r => r.SourceGroups()).Distinct();

    /// <summary>The rules of one adapter kind.</summary>
    public RoutingTable ForKind(string kind) => new(Rules.Where(r => r.Kind == kind));

    /// <summary>
    /// What an adapter subscribes to (or binds) for the to-group direction, one entry per distinct
    /// key <paramref name="keyOf"/> gives an endpoint (an MQTT filter, an AMQP binding pattern),
    /// each with the strongest delivery guarantee a rule asks of it, in rule order.
    /// </summary>
    public IReadOnlyList<(string Key, DeliveryGuarantee Guarantee)> Subscriptions(Func<IRuleEndpoint, string> keyOf)
    {
        ArgumentNullException.ThrowIfNull(keyOf);
        return [.. ToGroup.GroupBy(r => keyOf(r.Endpoint), StringComparer.Ordinal).Select(static g => (g.Key, g.Max(static r => r.Guarantee)))];
    }

    /// <summary>The distinct groups a message at <paramref name="address"/> goes to; a value that makes no group name leaves that group out.</summary>
    public IEnumerable<GroupName> GroupsFor<TAddress>(TAddress address)
        where TAddress : notnull
        => ToGroup.SelectMany(r => r.GroupsFor(address)).Distinct();

    /// <summary>The distinct addresses a message of <paramref name="group"/> is published at, each with the strongest guarantee a rule asks of it.</summary>
    public IEnumerable<EndpointRoute<TAddress>> RoutesFor<TAddress>(GroupName group)
        where TAddress : notnull
        => FromGroup
            .SelectMany(r => r.AddressesFor<TAddress>(group).Select(a => (Address: a, r.Guarantee)))
            .GroupBy(static t => t.Address)
            .Select(static g => new EndpointRoute<TAddress>(g.Key, new PublishOptions(Guarantee: g.Max(static t => t.Guarantee))));
}
