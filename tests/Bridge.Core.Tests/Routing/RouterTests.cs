using System.Text;
using Bridge.Adapters.Mqtt.Rules;
using Bridge.Core.Routing;
using Bridge.Multicast;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Transports.Ip;
using Bridge.Multicast.Wire;
using Bridge.Testing;

namespace Bridge.Core.Tests.Routing;

/// <summary>The router over a real multicast socket on loopback.</summary>
public sealed class RouterTests
{
    private static readonly MulticastInterface Loopback = MulticastInterface.Loopback();

    [Fact]
    public async Task RouteAsync_TopicMatchingTwoRulesOfOneGroup_SendsOneCopy()
    {
        var group = GroupName.Parse(FreePorts.UniqueIPv4Group());
        await using var bridge = MulticastSocket.Create(Loopback);
        await using var device = MulticastSocket.Create(Loopback);
        device.Join(group);
        var router = new Router(
            MqttRules.Table(
                [TopicToGroupRule.Parse($"meters/+/tariff={group}"), TopicToGroupRule.Parse($"meters/#={group}")],
                []),
            bridge);

        var groups = await router.RouteAsync(new InboundMessage<string>("meters/north/tariff", "0.28"u8.ToArray(), ContentType.MqttPublish));

        Assert.Equal(1, groups);
        Assert.Equal(1, bridge.Counters.FramesSent);
        var message = await device.FirstAsync();
        Assert.Equal("0.28", Encoding.UTF8.GetString(message.Payload.Span));
        Assert.Equal(ContentType.MqttPublish, message.ContentType);
        Assert.Equal(1, router.Routed);
    }

    [Fact]
    public async Task RouteAsync_TopicMatchingNoRule_SendsNothingAndCountsIt()
    {
        var group = GroupName.Parse(FreePorts.UniqueIPv4Group());
        await using var bridge = MulticastSocket.Create(Loopback);
        var router = new Router(MqttRules.Table([TopicToGroupRule.Parse($"meters/+/tariff={group}")], []), bridge);

        var groups = await router.RouteAsync(new InboundMessage<string>("chargers/north/limit", "11kW"u8.ToArray(), ContentType.MqttPublish));

        Assert.Equal(0, groups);
        Assert.Equal(0, bridge.Counters.FramesSent);
        Assert.Equal(1, router.Unmatched);
    }

    [Fact]
    public async Task RouteFromGroupAsync_GroupWithTwoTopics_PublishesOnEach()
    {
        var group = GroupName.Parse(FreePorts.UniqueIPv4Group());
        var other = GroupName.Parse(FreePorts.UniqueIPv4Group());
        await using var bridge = MulticastSocket.Create(Loopback);
        var router = new Router(
            MqttRules.Table([], [new GroupToTopicRule(group, "devices/a"), new GroupToTopicRule(group, "devices/b"), new GroupToTopicRule(other, "devices/c")]),
            bridge);
        var published = new RecordingPublisher<string>();

        var topics = await router.RouteFromGroupAsync(
            new GroupMessage(group, "x"u8.ToArray(), ContentType.Raw, 7, 1, DateTimeOffset.UnixEpoch), published);

        Assert.Equal(2, topics);
        Assert.Equal(["devices/a", "devices/b"], published.Addresses);
        Assert.Equal([group, other], router.Table.SourceGroups);
    }
}
