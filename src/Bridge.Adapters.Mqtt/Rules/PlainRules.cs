using Bridge.Core.Mapping;
using Bridge.Core.Routing;
using Bridge.Multicast.Naming;

namespace Bridge.Adapters.Mqtt.Rules;

/// <summary>Messages on topics matching <paramref name="Filter"/> go to <paramref name="Group"/>.</summary>
public sealed record TopicToGroupRule(TopicFilter Filter, GroupName Group)
{
    /// <summary>Parses <c>FILTER=GROUP</c>, as the command line writes a rule.</summary>
    public static TopicToGroupRule Parse(string text)
    {
        var (left, right) = SplitRule(text, "FILTER=GROUP");
        return new TopicToGroupRule(TopicFilter.Parse(left), GroupName.Parse(right));
    }

    /// <summary>The mapping rule this stands for: to-group, the filter as a template without placeholders.</summary>
    public MappingRule ToMappingRule() => new()
    {
        Name = $"{Filter.Text}={Group.WireName}",
        Endpoint = TopicTemplate.Literal(Filter),
        Groups = [GroupTemplate.Of(Group)],
        Direction = RuleDirection.ToGroup,
    };

    internal static (string Left, string Right) SplitRule(string text, string form)
    {
        ArgumentNullException.ThrowIfNull(text);
        var at = text.IndexOf('=', StringComparison.Ordinal);
        if (at <= 0 || at == text.Length - 1)
        {
            throw new FormatException($"rule '{text}' is not of the form {form}");
        }

        return (text[..at], text[(at + 1)..]);
    }
}

/// <summary>Messages of <paramref name="Group"/> are published on <paramref name="Topic"/>.</summary>
public sealed record GroupToTopicRule(GroupName Group, string Topic)
{
    /// <summary>Parses <c>GROUP=TOPIC</c>, as the command line writes a rule.</summary>
    public static GroupToTopicRule Parse(string text)
    {
        var (left, right) = TopicToGroupRule.SplitRule(text, "GROUP=TOPIC");
        var filter = TopicFilter.Parse(right);
        if (filter.HasWildcard)
        {
            throw new FormatException($"rule '{text}': topic '{right}' to publish on must not hold '+' or '#'");
        }

        return new GroupToTopicRule(GroupName.Parse(left), right);
    }

    /// <summary>The mapping rule this stands for: from-group, the topic as a template without placeholders.</summary>
    public MappingRule ToMappingRule() => new()
    {
        Name = $"{Group.WireName}={Topic}",
        Endpoint = TopicTemplate.Literal(TopicFilter.Parse(Topic)),
        Groups = [GroupTemplate.Of(Group)],
        Direction = RuleDirection.FromGroup,
    };
}

/// <summary>Routing tables of MQTT rules, and what the MQTT side subscribes to.</summary>
public static class MqttRules
{
    /// <summary>A table of plain rules without placeholders, as <c>gridcast bridge</c> takes them.</summary>
    public static RoutingTable Table(IEnumerable<TopicToGroupRule> toGroup, IEnumerable<GroupToTopicRule> fromGroup)
        => new([.. toGroup.Select(r => r.ToMappingRule()), .. fromGroup.Select(r => r.ToMappingRule())]);

    /// <summary>
    /// The topic filters the MQTT side subscribes to for the to-group rules of <paramref name="table"/>
    /// (each template with its placeholders as '+'), each with the strongest guarantee a rule asks of it.
    /// </summary>
    public static IReadOnlyList<(string Filter, DeliveryGuarantee Guarantee)> SubscriptionFilters(this RoutingTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        return table.ForKind(MqttAdapterKind.KindName).Subscriptions(static e => ((TopicTemplate)e).Filter.Text);
    }
}
