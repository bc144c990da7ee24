using Bridge.Core.Routing;
using Bridge.Multicast.Naming;

namespace Bridge.Core.Mapping;

/// <summary>Which way a rule carries messages.</summary>
public enum RuleDirection
{
    /// <summary>Messages at addresses matching the endpoint go to the group(s).</summary>
    ToGroup,

    /// <summary>Messages of the group(s) are published at the endpoint's address.</summary>
    FromGroup,

    /// <summary>Both: the same endpoint and group(s) in each direction.</summary>
    Both,
}

/// <summary>
/// One mapping rule: where a message comes from (an endpoint of one adapter kind), which groups it
/// goes to (group templates), which way, and with what guarantee. Placeholders bind parts of an
/// address to parts of group names and back, e.g. <c>meters/{region}/tariff</c> and
/// <c>ham:sg:tariff.{region}</c>. <see cref="Values"/> lists the values a placeholder may take:
/// required for the from-group direction (the bridge must know which concrete groups to join),
/// an optional restriction for to-group. Validation checks these; the methods here never throw
/// for a value that makes no group name: they leave that group out.
/// </summary>
public sealed record MappingRule
{
    /// <summary>The rule's name, unique in its file; errors and logs use it.</summary>
    public required string Name { get; init; }

    /// <summary>The adapter side of the rule, in its kind's terms.</summary>
    public required IRuleEndpoint Endpoint { get; init; }

    /// <summary>The groups, one or more.</summary>
    public required IReadOnlyList<GroupTemplate> Groups { get; init; }

    /// <summary>Which way the rule carries messages.</summary>
    public required RuleDirection Direction { get; init; }

    /// <summary>What the rule promises for its messages on the adapter side.</summary>
    public DeliveryGuarantee Guarantee { get; init; } = DeliveryGuarantee.AtLeastOnce;

    /// <summary>Allowed values per placeholder; a placeholder absent here is unrestricted (to-group only).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Values { get; init; } = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);

    /// <summary>The adapter kind of <see cref="Endpoint"/>.</summary>
    public string Kind => Endpoint.Kind;

    /// <summary>Whether the rule carries messages to groups (to-group or both).</summary>
    public bool IsToGroup => Direction is RuleDirection.ToGroup or RuleDirection.Both;

    /// <summary>Whether the rule carries groups to the adapter (from-group or both).</summary>
    public bool IsFromGroup => Direction is RuleDirection.FromGroup or RuleDirection.Both;

    /// <summary>The groups a message at <paramref name="address"/> goes to by this rule (none unless to-group, or of another kind of address).</summary>
    public IEnumerable<GroupName> GroupsFor<TAddress>(TAddress address)
        where TAddress : notnull
        => Endpoint is EndpointTemplate<TAddress> endpoint && endpoint.TryMatch(address, out var bindings) ? GroupsOf(bindings) : [];

    /// <summary>The addresses a message of <paramref name="group"/> is published at by this rule (none unless from-group).</summary>
    public IEnumerable<TAddress> AddressesFor<TAddress>(GroupName group)
        where TAddress : notnull
    {
        if (!IsFromGroup || Endpoint is not EndpointTemplate<TAddress> endpoint)
        {
            yield break;
        }

        foreach (var template in Groups)
        {
            if (template.TryMatch(group, out var bindings) && Allowed(bindings) && endpoint.TryExpand(bindings, out var address, out _))
            {
                yield return address;
            }
        }
    }

    /// <summary>The concrete groups of the from-group direction: every group template over every combination of <see cref="Values"/>.</summary>
    public IEnumerable<GroupName> SourceGroups()
        => IsFromGroup ? Pairs().Select(p => p.Group).Distinct() : [];

    /// <summary>
    /// Every (group, address) pair the from-group direction publishes: each combination of
    /// <see cref="Values"/> expanded into each group template and the endpoint. The address is
    /// untyped: this serves checks over rules of every kind, such as <see cref="MappingLoops"/>.
    /// </summary>
    public IEnumerable<(GroupName Group, object Address, IReadOnlyDictionary<string, string> Bindings)> Pairs()
    {
        if (!IsFromGroup)
        {
            yield break;
        }

        foreach (var bindings in Placeholders.Combinations(Endpoint.Placeholders, Values))
        {
            if (!Endpoint.TryExpand(bindings, out var address, out _))
            {
                continue;
            }

            foreach (var template in Groups)
            {
                if (template.TryExpand(bindings, out var group, out _))
                {
                    yield return (group, address, bindings);
                }
            }
        }
    }

    /// <summary>The groups an untyped <paramref name="address"/> goes to by this rule, as <see cref="GroupsFor{TAddress}"/>.</summary>
    public IEnumerable<GroupName> GroupsForAny(object address)
        => Endpoint.TryMatch(address, out var bindings) ? GroupsOf(bindings) : [];

    /// <inheritdoc/>
    public bool Equals(MappingRule? other)
        => other is not null
            && Name == other.Name && Endpoint.Equals(other.Endpoint) && Direction == other.Direction
            && Guarantee == other.Guarantee && Groups.SequenceEqual(other.Groups)
            && Values.Count == other.Values.Count
            && Values.All(v => other.Values.TryGetValue(v.Key, out var list) && list.SequenceEqual(v.Value, StringComparer.Ordinal));

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Name, Endpoint, Direction, Guarantee, Groups.Count);

    private IEnumerable<GroupName> GroupsOf(IReadOnlyDictionary<string, string> bindings)
    {
        if (!IsToGroup || !Allowed(bindings))
        {
            yield break;
        }

        foreach (var group in Groups)
        {
            if (group.TryExpand(bindings, out var name, out _))
            {
                yield return name;
            }
        }
    }

    private bool Allowed(IReadOnlyDictionary<string, string> bindings)
        => bindings.All(b => !Values.TryGetValue(b.Key, out var allowed) || allowed.Contains(b.Value, StringComparer.Ordinal));
}
