using Bridge.Core.Routing;
using Bridge.Multicast.Naming;

namespace Bridge.Core.Mapping;

/// <summary>Which adapter a rule's topic belongs to.</summary>
public enum RuleSource
{
    /// <summary>An MQTT topic (embedded broker or client of a broker).</summary>
    Mqtt,

    /// <summary>An AMQP routing key on the bridge's exchange, seen as a topic with '.' and '/' swapped.</summary>
    Amqp,
}

/// <summary>Which way a rule carries messages.</summary>
public enum RuleDirection
{
    /// <summary>Messages on topics matching the template go to the group(s).</summary>
    ToGroup,

    /// <summary>Messages of the group(s) are published on the topic.</summary>
    FromGroup,

    /// <summary>Both: the same topic and group(s) in each direction.</summary>
    Both,
}

/// <summary>
/// One mapping rule: where a message comes from (a topic template of one adapter), which groups
/// it goes to (group templates), which way, and with what guarantee. Placeholders bind a topic's
/// levels to parts of group names and back, e.g. <c>meters/{region}/tariff</c> and
/// <c>ham:sg:tariff.{region}</c>. <see cref="Values"/> lists the values a placeholder may take:
/// required for the from-group direction (the bridge must know which concrete groups to join),
/// an optional restriction for to-group. The loader checks these; the methods here never throw
/// for a value that makes no group name: they leave that group out.
/// </summary>
public sealed record MappingRule
{
    /// <summary>The rule's name, unique in its file; errors and logs use it.</summary>
    public required string Name { get; init; }

    /// <summary>The adapter of <see cref="Topic"/>.</summary>
    public RuleSource Source { get; init; } = RuleSource.Mqtt;

    /// <summary>The topic template (for AMQP, the routing-key template in topic form).</summary>
    public required TopicTemplate Topic { get; init; }

    /// <summary>The groups, one or more.</summary>
    public required IReadOnlyList<GroupTemplate> Groups { get; init; }

    /// <summary>Which way the rule carries messages.</summary>
    public required RuleDirection Direction { get; init; }

    /// <summary>What the rule promises for its messages on the adapter side.</summary>
    public DeliveryGuarantee Guarantee { get; init; } = DeliveryGuarantee.AtLeastOnce;

    /// <summary>Allowed values per placeholder; a placeholder absent here is unrestricted (to-group only).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Values { get; init; } = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);

    /// <summary>The filter an adapter subscribes to for the to-group direction.</summary>
    public TopicFilter Filter => Topic.Filter;

    /// <summary>Whether the rule carries topics to groups (to-group or both).</summary>
    public bool IsToGroup => Direction is RuleDirection.ToGroup or RuleDirection.Both;

    /// <summary>Whether the rule carries groups to topics (from-group or both).</summary>
    public bool IsFromGroup => Direction is RuleDirection.FromGroup or RuleDirection.Both;

    /// <summary>A to-group rule of a plain filter and group.</summary>
    public static MappingRule From(TopicToGroupRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        return new MappingRule
        {
            Name = $"{rule.Filter.Text}={rule.Group.WireName}",
            Topic = TopicTemplate.Literal(rule.Filter),
            Groups = [GroupTemplate.Of(rule.Group)],
            Direction = RuleDirection.ToGroup,
        };
    }

    /// <summary>A from-group rule of a plain group and topic.</summary>
    public static MappingRule From(GroupToTopicRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        return new MappingRule
        {
            Name = $"{rule.Group.WireName}={rule.Topic}",
            Topic = TopicTemplate.Literal(TopicFilter.Parse(rule.Topic)),
            Groups = [GroupTemplate.Of(rule.Group)],
            Direction = RuleDirection.FromGroup,
        };
    }

    /// <summary>The groups a message on <paramref name="topic"/> goes to by this rule (none unless to-group).</summary>
    public IEnumerable<GroupName> GroupsFor(string topic)
    {
        if (!IsToGroup || !Topic.TryMatch(topic, out var bindings) || !Allowed(bindings))
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

    /// <summary>The topics a message of <paramref name="group"/> is published on by this rule (none unless from-group).</summary>
    public IEnumerable<string> TopicsFor(GroupName group)
    {
        if (!IsFromGroup)
        {
            yield break;
        }

        foreach (var template in Groups)
        {
            if (template.TryMatch(group, out var bindings) && Allowed(bindings) && Topic.TryExpand(bindings, out var topic, out _))
            {
                yield return topic;
            }
        }
    }

    /// <summary>The concrete groups of the from-group direction: every group template over every combination of <see cref="Values"/>.</summary>
    public IEnumerable<GroupName> SourceGroups()
        => IsFromGroup ? Pairs().Select(p => p.Group).Distinct() : [];

    /// <summary>
    /// Every (group, topic) pair the from-group direction publishes: each combination of
    /// <see cref="Values"/> expanded into each group template and the topic.
    /// </summary>
    public IEnumerable<(GroupName Group, string Topic, IReadOnlyDictionary<string, string> Bindings)> Pairs()
    {
        if (!IsFromGroup)
        {
            yield break;
        }

        foreach (var bindings in Placeholders.Combinations(Topic.Placeholders, Values))
        {
            if (!Topic.TryExpand(bindings, out var topic, out _))
            {
                continue;
            }

            foreach (var template in Groups)
            {
                if (template.TryExpand(bindings, out var group, out _))
                {
                    yield return (group, topic, bindings);
                }
            }
        }
    }

    /// <inheritdoc/>
    public bool Equals(MappingRule? other)
        => other is not null
            && Name == other.Name && Source == other.Source && Topic.Equals(other.Topic) && Direction == other.Direction
            && Guarantee == other.Guarantee && Groups.SequenceEqual(other.Groups)
            && Values.Count == other.Values.Count
            && Values.All(v => other.Values.TryGetValue(v.Key, out var list) && list.SequenceEqual(v.Value, StringComparer.Ordinal));

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Name, Source, Topic, Direction, Guarantee, Groups.Count);

    private bool Allowed(IReadOnlyDictionary<string, string> bindings)
        => bindings.All(b => !Values.TryGetValue(b.Key, out var allowed) || allowed.Contains(b.Value, StringComparer.Ordinal));
}
