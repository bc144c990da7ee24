using Bridge.Adapters.Mqtt.Rules;

namespace Bridge.Adapters.Mqtt.Tests.Rules;

public sealed class PlainRulesTests
{
    [Fact]
    public void TopicToGroupRule_Parse_SplitsFilterAndGroup()
    {
        var rule = TopicToGroupRule.Parse("meters/+/tariff=ham:ip:239.192.0.7:5000");
        Assert.Equal("meters/+/tariff", rule.Filter.Text);
        Assert.Equal("ham:ip:239.192.0.7:5000", rule.Group.Canonical);
    }

    [Fact]
    public void GroupToTopicRule_Parse_SplitsGroupAndTopic()
    {
        var rule = GroupToTopicRule.Parse("ham:ip:239.192.0.7:5000=devices/tariff");
        Assert.Equal("ham:ip:239.192.0.7:5000", rule.Group.Canonical);
        Assert.Equal("devices/tariff", rule.Topic);
    }

    [Theory]
    [InlineData("no-equals-sign", "is not of the form FILTER=GROUP")]
    [InlineData("=ham:ip:239.192.0.7", "is not of the form FILTER=GROUP")]
    [InlineData("meters/#=ham:ip:10.0.0.1", "'10.0.0.1'")]
    [InlineData("meters/#/x=ham:ip:239.192.0.7", "'#' must be a whole level")]
    public void TopicToGroupRule_Parse_BadRule_NamesTheBadPart(string text, string expectedInError)
    {
        var error = Assert.Throws<FormatException>(() => TopicToGroupRule.Parse(text));
        Assert.Contains(expectedInError, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ham:ip:239.192.0.7=devices/+", "must not hold '+' or '#'")]
    [InlineData("ham:ip:239.192.0.7=", "is not of the form GROUP=TOPIC")]
    [InlineData("ham:ip:239.192.0.777=devices", "'239.192.0.777'")]
    public void GroupToTopicRule_Parse_BadRule_NamesTheBadPart(string text, string expectedInError)
    {
        var error = Assert.Throws<FormatException>(() => GroupToTopicRule.Parse(text));
        Assert.Contains(expectedInError, error.Message, StringComparison.Ordinal);
    }
}
