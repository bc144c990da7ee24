using Bridge.Core.Mapping;
using Bridge.Multicast.Naming;

namespace Bridge.Core.Routing;

/// <summary>Where a group's message is published: the topic and how (the guarantee of the rule that maps it).</summary>
/// <param name="Topic">The topic (for AMQP, in topic form).</param>
/// <param name="Options">The publish options; the router sets <see cref="PublishOptions.Retain"/> per message.</param>
public readonly record struct TopicRoute(string Topic, PublishOptions Options);

/// <summary>The immutable rules a bridge runs with, in both directions.</summary>
public sealed class RoutingTable
{
    /// <summary>Creates a table from mapping rules, in order.</summary>
    public RoutingTable(IEnumerable<MappingRule> rules)
    {
        Rules = [.. rules];
        ToGroup = [.. Rules.Where(r => r.IsToGroup)];
        FromGroup = [.. Rules.Where(r => r.IsFromGroup)];
    }

    /// <summary>Creates a table from plain MQTT rules without placeholders (as <c>gridcast bridge</c> takes them).</summary>
    public RoutingTable(IEnumerable<TopicToGroupRule> toGroup, IEnumerable<GroupToTopicRule> fromGroup)
        : this([.. toGroup.Select(MappingRule.From), .. fromGroup.Select(MappingRule.From)])
    {
    }

    /// <summary>Every rule, in the order given.</summary>
    public IReadOnlyList<MappingRule> Rules { get; }

    /// <summary>The rules with a to-group direction (to-group and both), in order.</summary>
    public IReadOnlyList<MappingRule> ToGroup { get; }

    /// <summary>The rules with a from-group direction (from-group and both), in order.</summary>
    public IReadOnlyList<MappingRule> FromGroup { get; }

    /// <summary>The concrete groups to join for the from-group direction, templates expanded over their values.</summary>
    public IEnumerable<GroupName> SourceGroups => FromGroup.SelectMany(r => r.SourceGroups()).Distinct();

    /// <summary>
    /// The topic filters an adapter subscribes to (or binds) for the to-group direction, each
    /// with the strongest delivery guarantee a rule asks of it.
    /// </summary>
    public IReadOnlyList<(string Filter, DeliveryGuarantee Guarantee)> SubscriptionFilters =>
        [.. ToGroup.GroupBy(static r => r.Filter.Text, StringComparer.Ordinal).Select(static g => (g.Key, g.Max(static r => r.Guarantee)))];

    /// <summary>The rules of one adapter.</summary>
    public RoutingTable ForSource(RuleSource source) => new(Rules.Where(r => r.Source == source));

    /// <summary>The distinct groups a message on <paramref name="topic"/> goes to; a value that makes no group name leaves that group out.</summary>
    public IEnumerable<GroupName> GroupsFor(string topic)
        => ToGroup.SelectMany(r => r.GroupsFor(topic)).Distinct();

    /// <summary>The distinct topics a message of <paramref name="group"/> is published on, each with the strongest guarantee a rule asks of it.</summary>
    public IEnumerable<TopicRoute> TopicsFor(GroupName group)
        => FromGroup
            .SelectMany(r => r.TopicsFor(group).Select(t => (Topic: t, r.Guarantee)))
            .GroupBy(static t => t.Topic, StringComparer.Ordinal)
            .Select(static g => new TopicRoute(g.Key, new PublishOptions(Guarantee: g.Max(static t => t.Guarantee))));
}
