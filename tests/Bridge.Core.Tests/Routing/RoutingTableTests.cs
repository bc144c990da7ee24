using System.Diagnostics.CodeAnalysis;
using Bridge.Adapters.Mqtt.Rules;
using Bridge.Core.Mapping;
using Bridge.Core.Routing;
using Bridge.Core.Tests.Mapping;
using Bridge.Multicast;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Wire;
using Bridge.Testing;

namespace Bridge.Core.Tests.Routing;

public sealed class RoutingTableTests
{
    private static readonly MappingRule Tariffs = MappingLoopsTests.Rule("tariffs", "meters/{region}/tariff", "ham:sg:tariff.{region}", RuleDirection.Both);

    [Fact]
    public void GroupsFor_TemplateRule_ExpandsTheGroupFromTheTopic()
    {
        var table = new RoutingTable([Tariffs]);

        Assert.Equal([GroupName.Parse("ham:sg:tariff.north")], table.GroupsFor("meters/north/tariff"));
    }

    [Fact]
    public void GroupsFor_ValueNotAllowedOrMakingNoGroupName_GivesNone()
    {
        var open = Tariffs with { Name = "open", Direction = RuleDirection.ToGroup, Values = new Dictionary<string, IReadOnlyList<string>>() };

        Assert.Empty(new RoutingTable([Tariffs]).GroupsFor("meters/east/tariff"));
        Assert.Empty(new RoutingTable([open]).GroupsFor("meters/a b/tariff"));
        Assert.Single(new RoutingTable([open]).GroupsFor("meters/east/tariff"));
    }

    [Fact]
    public void RoutesFor_Group_GivesTopicAndTheStrongestGuarantee()
    {
        var weak = Tariffs with { Name = "weak", Direction = RuleDirection.FromGroup, Guarantee = DeliveryGuarantee.AtMostOnce };
        var table = new RoutingTable([weak, Tariffs]);

        var route = Assert.Single(table.RoutesFor<string>(GroupName.Parse("ham:sg:tariff.south")));

        Assert.Equal(new EndpointRoute<string>("meters/south/tariff", new PublishOptions(Guarantee: DeliveryGuarantee.AtLeastOnce)), route);
        Assert.Empty(new RoutingTable([weak]).RoutesFor<string>(GroupName.Parse("ham:sg:tariff.east")));
    }

    [Fact]
    public void SourceGroups_TemplateRule_AreTheGroupsOfEveryValue()
    {
        var table = new RoutingTable([Tariffs]);

        Assert.Equal(
            [GroupName.Parse("ham:sg:tariff.north"), GroupName.Parse("ham:sg:tariff.south")],
            table.SourceGroups);
    }

    [Fact]
    public void SubscriptionFilters_TwoRulesOneFilter_TakeTheStrongestGuarantee()
    {
        var weak = Tariffs with { Name = "weak", Guarantee = DeliveryGuarantee.AtMostOnce };
        var other = MappingLoopsTests.Rule("other", "chargers/{site}", "ham:sg:c.{site}", RuleDirection.ToGroup) with { Guarantee = DeliveryGuarantee.AtMostOnce };

        var filters = new RoutingTable([weak, Tariffs, other]).SubscriptionFilters();

        Assert.Equal([("meters/+/tariff", DeliveryGuarantee.AtLeastOnce), ("chargers/+", DeliveryGuarantee.AtMostOnce)], filters);
    }

    [Fact]
    public void ForKind_MixedRules_KeepsOnlyThatKindsRules()
    {
        var other = Tariffs with { Name = "other", Endpoint = new OtherKindTopic(TopicTemplate.Parse("meters/{region}/tariff")) };
        var table = new RoutingTable([Tariffs, other]);

        Assert.Equal(["other"], table.ForKind("other").Rules.Select(r => r.Name));
        Assert.Equal(["tariffs"], table.ForKind("mqtt").Rules.Select(r => r.Name));
    }

    [Fact]
    public async Task RouteFromGroupAsync_RepeatedLastValue_IsPublishedOnceRetained()
    {
        var router = new Router(new RoutingTable([Tariffs]), new NoSender());
        var publisher = new RecordingPublisher<string>();
        var group = GroupName.Parse("ham:sg:tariff.north");
        var message = new GroupMessage(group, "0.31"u8.ToArray(), ContentType.MqttPublish, 1, 1, DateTimeOffset.UnixEpoch) { IsLastValue = true };

        Assert.Equal(1, await router.RouteFromGroupAsync(message, publisher));
        Assert.Equal(0, await router.RouteFromGroupAsync(message with { Sequence = 2 }, publisher));
        Assert.Equal(1, await router.RouteFromGroupAsync(message with { Sequence = 3, Payload = "0.29"u8.ToArray() }, publisher));
        router.ForgetLastValues();
        Assert.Equal(1, await router.RouteFromGroupAsync(message with { Sequence = 4, Payload = "0.29"u8.ToArray() }, publisher));

        Assert.Equal(3, publisher.Published.Count);
        Assert.All(publisher.Published, p => Assert.Equal(new PublishOptions(Retain: true), p.Options));
        Assert.Equal(1, router.RepeatedLastValues);
    }

    [Fact]
    public async Task RouteFromGroupAsync_UnchangedLastValue_IsPublishedAgainEveryTenthRefresh()
    {
        var router = new Router(new RoutingTable([Tariffs]), new NoSender());
        var publisher = new RecordingPublisher<string>();
        var message = new GroupMessage(GroupName.Parse("ham:sg:tariff.north"), "0.31"u8.ToArray(), ContentType.MqttPublish, 1, 1, DateTimeOffset.UnixEpoch) { IsLastValue = true };

        var published = new List<int>();
        for (ulong sequence = 1; sequence <= 2 * Router.LastValueRepublishEvery + 1; sequence++)
        {
            published.Add(await router.RouteFromGroupAsync(message with { Sequence = sequence }, publisher));
        }

        // The first arrival, then each tenth identical refresh: a lost retained publication heals.
        Assert.Equal([1, 11, 21], published.Select((n, i) => (n, i)).Where(p => p.n == 1).Select(p => p.i + 1));
        Assert.Equal(2 * (Router.LastValueRepublishEvery - 1), router.RepeatedLastValues);
    }

    private sealed class NoSender : IGroupSender
    {
        public ValueTask SendAsync(GroupName group, ReadOnlyMemory<byte> payload, ContentType contentType, CancellationToken cancellationToken = default)
            => ValueTask.CompletedTask;

        public ValueTask SendAsync(GroupName group, ReadOnlyMemory<byte> payload, ContentType contentType, bool lastValue, CancellationToken cancellationToken = default)
            => ValueTask.CompletedTask;
    }

    /// <summary>A topic template under another kind's name, as a second adapter kind's endpoint would be.</summary>
    private sealed class OtherKindTopic(TopicTemplate topic) : EndpointTemplate<string>
    {
        public override string Kind => "other";

        public override string Text => topic.Text;

        public override IReadOnlyList<string> Placeholders => topic.Placeholders;

        public override bool CanPublish => topic.CanPublish;

        public override bool TryMatch(string address, [NotNullWhen(true)] out IReadOnlyDictionary<string, string>? bindings) => topic.TryMatch(address, out bindings);

        public override bool TryExpand(IReadOnlyDictionary<string, string> bindings, [NotNullWhen(true)] out string? address, [NotNullWhen(false)] out string? reason)
            => topic.TryExpand(bindings, out address, out reason);
    }
}
