using Bridge.Adapters.Mqtt.Rules;

namespace Bridge.Adapters.Mqtt.Tests.Rules;

public sealed class TopicFilterTests
{
    [Theory]
    [InlineData("meters/north/tariff", "meters/north/tariff", true)]
    [InlineData("meters/north/tariff", "meters/south/tariff", false)]
    [InlineData("meters/+/tariff", "meters/south/tariff", true)]
    [InlineData("meters/+/tariff", "meters/south/east/tariff", false)]
    [InlineData("meters/+/tariff", "meters//tariff", true)]
    [InlineData("meters/#", "meters", true)]
    [InlineData("meters/#", "meters/north/tariff", true)]
    [InlineData("meters/#", "meterstariff", false)]
    [InlineData("#", "anything/at/all", true)]
    [InlineData("#", "$SYS/broker/load", false)]
    [InlineData("+/broker/load", "$SYS/broker/load", false)]
    [InlineData("$SYS/#", "$SYS/broker/load", true)]
    [InlineData("+", "meters", true)]
    [InlineData("+", "meters/north", false)]
    [InlineData("meters/north", "meters/north/tariff", false)]
    public void Matches_TopicAgainstFilter_FollowsMqttRules(string filter, string topic, bool expected)
    {
        Assert.Equal(expected, TopicFilter.Parse(filter).Matches(topic));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("meters/#/tariff", "'#' must be a whole level and the last one")]
    [InlineData("meters/north#", "level 2 is 'north#'")]
    [InlineData("meters/no+rth/tariff", "'+' must be a whole level (level 2 is 'no+rth')")]
    public void TryParse_InvalidFilter_FailsNamingTheProblem(string filter, string expectedInError)
    {
        Assert.False(TopicFilter.TryParse(filter, out _, out var error));
        Assert.Contains(expectedInError, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_InvalidFilter_ThrowsFormatException()
    {
        Assert.Throws<FormatException>(() => TopicFilter.Parse("a/#/b"));
    }

    [Theory]
    [InlineData("meters/+/tariff", true)]
    [InlineData("meters/#", true)]
    [InlineData("meters/north/tariff", false)]
    public void HasWildcard_ReportsWildcards(string filter, bool expected)
    {
        Assert.Equal(expected, TopicFilter.Parse(filter).HasWildcard);
    }
}
