using Bridge.Multicast.Naming;

namespace Bridge.Core.Mapping;

/// <summary>Messages on topics matching <paramref name="Filter"/> go to <paramref name="Group"/>.</summary>
public sealed record TopicToGroupRule(TopicFilter Filter, GroupName Group)
{
    /// <summary>Parses <c>FILTER=GROUP</c>, as the command line writes a rule.</summary>
    public static TopicToGroupRule Parse(string text)
    {
        var (left, right) = SplitRule(text, "FILTER=GROUP");
        return new TopicToGroupRule(TopicFilter.Parse(left), GroupName.Parse(right));
    }

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
}
