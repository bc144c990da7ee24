using Bridge.Adapters.Amqp.Rules;

namespace Bridge.Adapters.Amqp.Tests.Rules;

/// <summary>Routing-key templates in AMQP's own terms: parsing, matching as a topic exchange does, binding patterns, expansion.</summary>
public sealed class RoutingKeyTemplateTests
{
    [Theory]
    [InlineData("meters.{region}.tariff", "meters.*.tariff", "region")]
    [InlineData("meters.*.tariff", "meters.*.tariff", "")]
    [InlineData("meters.#", "meters.#", "")]
    [InlineData("a/b.c", "a/b.c", "")]
    [InlineData("site.{site}.{meter_id}", "site.*.*", "site,meter_id")]
    public void TryParse_ValidTemplate_GivesBindingPatternAndPlaceholders(string text, string pattern, string placeholders)
    {
        Assert.True(RoutingKeyTemplate.TryParse(text, out var template, out var error), error);

        Assert.Equal(pattern, template.BindingPattern);
        Assert.Equal(placeholders.Length == 0 ? [] : placeholders.Split(','), template.Placeholders);
        Assert.Equal(text, template.Text);
    }

    [Theory]
    [InlineData("meters.+.tariff", "holds '+'")]
    [InlineData("meters.#.tariff", "routing-key template 'meters.#.tariff': '#' must be a whole level and the last one")]
    [InlineData("dr.#.events", "routing-key template 'dr.#.events': '#' must be a whole level and the last one (level 2 is '#')")]
    [InlineData("meters.{Region}.tariff", "level 2 ('{Region}') must be a whole placeholder")]
    [InlineData("{a}.{a}", "placeholder {a} appears twice")]
    [InlineData("", "empty")]
    public void TryParse_BadTemplate_NamesTheProblem(string text, string expectedInError)
    {
        Assert.False(RoutingKeyTemplate.TryParse(text, out _, out var error));
        Assert.Contains(expectedInError, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("meters.*.tariff", "meters.north.tariff", true)]
    [InlineData("meters.*.tariff", "meters.north.south.tariff", false)]
    [InlineData("meters.#", "meters", true)]
    [InlineData("meters.#", "meters.north.tariff", true)]
    [InlineData("meters.#", "metersx", false)]
    [InlineData("#", "anything.at.all", true)]
    [InlineData("a/b.c", "a/b.c", true)]
    [InlineData("meters.north", "meters.north.tariff", false)]
    public void TryMatch_RoutingKey_MatchesAsATopicExchangeDelivers(string text, string routingKey, bool expected)
    {
        Assert.Equal(expected, RoutingKeyTemplate.Parse(text).TryMatch(routingKey, out _));
    }

    [Theory]
    [InlineData("meters.{region}.tariff", "meters.north.tariff", "region=north")]
    [InlineData("site.{site}.#", "site.depot-7.a.b", "site=depot-7")]
    public void TryMatch_MatchingKey_BindsEachPlaceholderAndExpandsBack(string text, string routingKey, string expected)
    {
        var template = RoutingKeyTemplate.Parse(text);

        Assert.True(template.TryMatch(routingKey, out var bindings));
        Assert.Equal(expected, string.Join(',', bindings.Select(b => $"{b.Key}={b.Value}")));
        if (template.CanPublish)
        {
            Assert.True(template.TryExpand(bindings, out var expanded, out _));
            Assert.Equal(routingKey, expanded);
        }
    }

    [Theory]
    [InlineData("meters.*.tariff", "region=north", "cannot be published on")]
    [InlineData("meters.{region}.tariff", "zone=north", "no value for {region}")]
    [InlineData("meters.{region}.tariff", "region=a.b", "'a.b' for {region} is not letters, digits")]
    public void TryExpand_WildcardOrMissingOrBadValue_Fails(string text, string binding, string expectedInError)
    {
        var parts = binding.Split('=');

        Assert.False(RoutingKeyTemplate.Parse(text).TryExpand(new Dictionary<string, string> { [parts[0]] = parts[1] }, out _, out var error));
        Assert.Contains(expectedInError, error, StringComparison.Ordinal);
    }
}
