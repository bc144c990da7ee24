using System.Diagnostics.CodeAnalysis;
using Bridge.Adapters.Mqtt.Rules;
using Bridge.Core.Mapping;

namespace Bridge.Core.Tests.Mapping;

public sealed class MappingLoopsTests
{
    [Fact]
    public void Find_BothOnSameTopicAndGroup_IsNoLoop()
    {
        var rules = new[] { Rule("tariffs", "meters/{region}/tariff", "ham:sg:tariff.{region}", RuleDirection.Both) };

        Assert.Empty(MappingLoops.Find(rules));
    }

    [Fact]
    public void Find_FromGroupTopicReadByAnotherRule_NamesBothRules()
    {
        var rules = new[]
        {
            Rule("readings-out", "meters/{region}/tariff", "ham:sg:tariff.{region}", RuleDirection.FromGroup),
            Rule("all-meters", "meters/#", "ham:sg:meters.all", RuleDirection.ToGroup),
        };

        var loop = Assert.Single(MappingLoops.Find(rules));

        Assert.Equal(("readings-out", "all-meters"), (loop.Publisher.Name, loop.Reader.Name));
        Assert.Equal("meters/north/tariff", loop.ShownAddress);
        Assert.Equal("ham:sg:meters.all", loop.To.WireName);
    }

    [Fact]
    public void Find_BothRuleThatReadsItsTopicIntoAnotherGroup_IsALoop()
    {
        var rule = Rule("twice", "meters/{region}/tariff", "ham:sg:tariff.{region}", RuleDirection.Both) with
        {
            Groups = [GroupTemplate.Parse("ham:sg:tariff.{region}"), GroupTemplate.Parse("ham:sg:copy.{region}")],
        };

        var loop = Assert.Single(MappingLoops.Find([rule]));

        Assert.Same(loop.Publisher, loop.Reader);
        Assert.NotEqual(loop.From, loop.To);
    }

    [Fact]
    public void Find_SameTopicsOnDifferentAdapters_IsNoLoop()
    {
        var rules = new[]
        {
            Rule("out", "meters/{region}/tariff", "ham:sg:tariff.{region}", RuleDirection.FromGroup),
            Rule("in", "meters/#", "ham:sg:meters.all", RuleDirection.ToGroup) with { Endpoint = new EveryAddress("other") },
        };

        Assert.Empty(MappingLoops.Find(rules));
    }

    [Fact]
    public void Find_ToGroupValuesExcludeThePublishedTopic_IsNoLoop()
    {
        var rules = new[]
        {
            Rule("out", "meters/{region}/tariff", "ham:sg:tariff.{region}", RuleDirection.FromGroup),
            Rule("in", "meters/{region}/tariff", "ham:sg:other.{region}", RuleDirection.ToGroup) with
            {
                Values = new Dictionary<string, IReadOnlyList<string>> { ["region"] = ["east"] },
            },
        };

        Assert.Empty(MappingLoops.Find(rules));
    }

    internal static MappingRule Rule(string name, string topic, string group, RuleDirection direction) => new()
    {
        Name = name,
        Endpoint = TopicTemplate.Parse(topic),
        Groups = [GroupTemplate.Parse(group)],
        Direction = direction,
        Values = TopicTemplate.Parse(topic).Placeholders.ToDictionary(p => p, _ => (IReadOnlyList<string>)["north", "south"]),
    };

    /// <summary>An endpoint of another kind that matches every string address: it would read any topic back, were kinds not kept apart.</summary>
    private sealed class EveryAddress(string kind) : EndpointTemplate<string>
    {
        public override string Kind => kind;

        public override string Text => "*";

        public override IReadOnlyList<string> Placeholders => [];

        public override bool CanPublish => false;

        public override bool TryMatch(string address, [NotNullWhen(true)] out IReadOnlyDictionary<string, string>? bindings)
        {
            bindings = new Dictionary<string, string>();
            return true;
        }

        public override bool TryExpand(IReadOnlyDictionary<string, string> bindings, [NotNullWhen(true)] out string? address, [NotNullWhen(false)] out string? reason)
        {
            address = null;
            reason = "reads only";
            return false;
        }
    }
}
