using Bridge.Core.Mapping;

namespace Bridge.Adapters.Amqp.Tests;

/// <summary>Routing keys as the router's topics, and topic filters as binding patterns.</summary>
public sealed class AmqpRoutingKeysTests
{
    [Theory]
    [InlineData("meters.north.tariff", "meters/north/tariff")]
    [InlineData("single", "single")]
    [InlineData("site/7.tariff", "site.7/tariff")]
    [InlineData("a..b", "a//b")]
    [InlineData("$sys.x", "$sys/x")]
    public void TryGetTopic_RoutingKey_SwapsDotsAndSlashes(string routingKey, string expected)
    {
        Assert.True(AmqpRoutingKeys.TryGetTopic(routingKey, out var topic, out var reason), reason);

        Assert.Equal(expected, topic);
        Assert.Equal(routingKey, AmqpRoutingKeys.FromTopic(topic));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("meters.+.tariff", "'+' at 7")]
    [InlineData("meters.#", "'#' at 7")]
    [InlineData("meters.\0", "'NUL' at 7")]
    public void TryGetTopic_KeyNoTopicCanBe_FailsNamingTheReason(string routingKey, string because)
    {
        Assert.False(AmqpRoutingKeys.TryGetTopic(routingKey, out var topic, out var reason));

        Assert.Null(topic);
        Assert.Contains(because, reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("meters/+/tariff", "meters.*.tariff")]
    [InlineData("meters/#", "meters.#")]
    [InlineData("#", "#")]
    [InlineData("site.7/+", "site/7.*")]
    public void BindingPattern_TopicFilter_IsTheTopicExchangePattern(string filter, string expected)
        => Assert.Equal(expected, AmqpRoutingKeys.BindingPattern(TopicFilter.Parse(filter)));

    [Fact]
    public void BindingPattern_LiteralStarLevel_ThrowsNamingTheLevel()
    {
        var error = Assert.Throws<FormatException>(() => AmqpRoutingKeys.BindingPattern(TopicFilter.Parse("meters/*/tariff")));

        Assert.Contains("level 2", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("meters.*.tariff", "meters/+/tariff")]
    [InlineData("meters.#", "meters/#")]
    [InlineData("#", "#")]
    [InlineData("site/7.*", "site.7/+")]
    public void FilterFor_BindingPattern_IsTheTopicFilter(string pattern, string expected)
        => Assert.Equal(expected, AmqpRoutingKeys.FilterFor(pattern).Text);

    [Theory]
    [InlineData("meters.#.tariff")]
    [InlineData("meters.a#")]
    [InlineData("meters.+")]
    public void FilterFor_WildcardNoFilterCanSay_Throws(string pattern)
    {
        var error = Assert.Throws<FormatException>(() => AmqpRoutingKeys.FilterFor(pattern));

        Assert.Contains(pattern, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("meters/+/tariff", "meters/north/tariff", true)]
    [InlineData("meters/+/tariff", "meters/north/south/tariff", false)]
    [InlineData("meters/#", "meters", true)]
    public void BindingPattern_TopicFilterMatches_AsTheBrokerWouldMatchTheKey(string filter, string topic, bool matches)
    {
        // The broker delivers by pattern, the router maps by filter: they must agree.
        Assert.Equal(matches, TopicFilter.Parse(filter).Matches(topic));
        Assert.Equal(AmqpRoutingKeys.FromTopic(filter).Replace('+', '*'), AmqpRoutingKeys.BindingPattern(TopicFilter.Parse(filter)));
    }
}
