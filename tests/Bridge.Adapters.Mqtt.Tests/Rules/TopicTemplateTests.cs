using Bridge.Adapters.Mqtt.Rules;

namespace Bridge.Adapters.Mqtt.Tests.Rules;

public sealed class TopicTemplateTests
{
    [Theory]
    [InlineData("meters/{region}/tariff", "meters/+/tariff", "region")]
    [InlineData("meters/{region}/{meter_id}/reading", "meters/+/+/reading", "region,meter_id")]
    [InlineData("meters/+/tariff", "meters/+/tariff", "")]
    [InlineData("meters/{region}/#", "meters/+/#", "region")]
    [InlineData("plain/topic", "plain/topic", "")]
    public void TryParse_ValidTemplate_GivesFilterAndPlaceholders(string text, string filter, string placeholders)
    {
        Assert.True(TopicTemplate.TryParse(text, out var template, out var error), error);
        Assert.Equal(filter, template.Filter.Text);
        Assert.Equal(placeholders.Length == 0 ? [] : placeholders.Split(','), template.Placeholders);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("meters/{Region}/tariff", "level 2 ('{Region}') must be a whole placeholder")]
    [InlineData("meters/x{region}/tariff", "level 2 ('x{region}') must be a whole placeholder")]
    [InlineData("meters/{}/tariff", "level 2 ('{}')")]
    [InlineData("meters/{region/tariff", "level 2 ('{region')")]
    [InlineData("{a}/{a}", "placeholder {a} appears twice")]
    [InlineData("meters/#/{region}", "topic template 'meters/#/{region}': '#' must be a whole level and the last one")]
    [InlineData("meters/no+rth", "'+' must be a whole level")]
    public void TryParse_BadTemplate_NamesTheProblem(string text, string expectedInError)
    {
        Assert.False(TopicTemplate.TryParse(text, out _, out var error));
        Assert.Contains(expectedInError, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("meters/{region}/tariff", "meters/north/tariff", "region=north")]
    [InlineData("meters/{region}/{meter}", "meters/south/17", "region=south,meter=17")]
    [InlineData("meters/{region}/#", "meters/east/a/b", "region=east")]
    public void TryMatch_MatchingTopic_BindsEachPlaceholder(string text, string topic, string expected)
    {
        Assert.True(TopicTemplate.Parse(text).TryMatch(topic, out var bindings));
        Assert.Equal(expected, string.Join(',', bindings.Select(b => $"{b.Key}={b.Value}")));
    }

    [Theory]
    [InlineData("meters/{region}/tariff", "meters/north/limit")]
    [InlineData("meters/{region}/tariff", "meters/north/x/tariff")]
    [InlineData("{root}/tariff", "$SYS/tariff")]
    public void TryMatch_OtherTopic_DoesNotMatch(string text, string topic)
    {
        Assert.False(TopicTemplate.Parse(text).TryMatch(topic, out _));
    }

    [Theory]
    [InlineData("meters/{region}/tariff", "meters/north/tariff")]
    [InlineData("a/{x}/b/{y}", "a/1/b/z-2")]
    [InlineData("fixed/topic", "fixed/topic")]
    public void Expand_BindingsOfAMatch_GiveTheTopicBack(string text, string topic)
    {
        var template = TopicTemplate.Parse(text);
        Assert.True(template.TryMatch(topic, out var bindings));

        Assert.Equal(topic, template.Expand(bindings));
    }

    [Theory]
    [InlineData("meters/+/tariff", "region=north", "cannot be published on")]
    [InlineData("meters/{region}/tariff", "zone=north", "no value for {region}")]
    [InlineData("meters/{region}/tariff", "region=a b", "'a b' for {region} is not letters, digits")]
    public void TryExpand_WildcardOrMissingOrBadValue_Fails(string text, string binding, string expectedInError)
    {
        var parts = binding.Split('=');
        var bindings = new Dictionary<string, string> { [parts[0]] = parts[1] };

        Assert.False(TopicTemplate.Parse(text).TryExpand(bindings, out _, out var error));
        Assert.Contains(expectedInError, error, StringComparison.Ordinal);
    }
}
