using Bridge.Core.Mapping;
using Bridge.Multicast.Naming;

namespace Bridge.Core.Routing;

/// <summary>The immutable rules a bridge runs with, in both directions.</summary>
public sealed class RoutingTable
{
    /// <summary>Creates a table from rules.</summary>
    public RoutingTable(IEnumerable<TopicToGroupRule> toGroup, IEnumerable<GroupToTopicRule> fromGroup)
    {
        ToGroup = [.. toGroup];
        FromGroup = [.. fromGroup];
    }

    /// <summary>Topic to group rules, in the order given.</summary>
    public IReadOnlyList<TopicToGroupRule> ToGroup { get; }

    /// <summary>Group to topic rules, in the order given.</summary>
    public IReadOnlyList<GroupToTopicRule> FromGroup { get; }

    /// <summary>The groups joined to receive for <see cref="FromGroup"/> rules.</summary>
    public IEnumerable<GroupName> SourceGroups => FromGroup.Select(r => r.Group).Distinct();

    /// <summary>
    /// The topic filters an adapter subscribes to (or binds) for the to-group direction, each
    /// with the strongest delivery guarantee a rule asks of it.
    /// </summary>
    public IReadOnlyList<(string Filter, DeliveryGuarantee Guarantee)> SubscriptionFilters =>
        [.. ToGroup.Select(static r => r.Filter.Text).Distinct(StringComparer.Ordinal).Select(static f => (f, DeliveryGuarantee.AtLeastOnce))];

    /// <summary>The distinct groups a message on <paramref name="topic"/> goes to.</summary>
    public IEnumerable<GroupName> GroupsFor(string topic)
        => ToGroup.Where(r => r.Filter.Matches(topic)).Select(r => r.Group).Distinct();

    /// <summary>The distinct topics a message of <paramref name="group"/> is published on.</summary>
    public IEnumerable<string> TopicsFor(GroupName group)
        => FromGroup.Where(r => r.Group == group).Select(r => r.Topic).Distinct(StringComparer.Ordinal);
}
