using Bridge.Adapters.Mqtt.Client;
using Bridge.Core.Routing;
using MQTTnet.Protocol;

namespace Bridge.Adapters.Mqtt.Tests.Client;

/// <summary>What the client mode asks the broker for when it subscribes.</summary>
public sealed class MqttSubscriptionTests
{
    [Theory]
    [InlineData(MqttProtocol.V5)]
    [InlineData(MqttProtocol.V311)]
    public void Subscription_GuaranteePerFilter_AsksForMatchingQoS(MqttProtocol protocol)
    {
        var options = MqttBrokerClient.Subscription(
            [("meters/+/tariff", DeliveryGuarantee.AtLeastOnce), ("meters/#", DeliveryGuarantee.AtMostOnce)], protocol);

        Assert.Collection(
            options.TopicFilters,
            f => Assert.Equal(("meters/+/tariff", MqttQualityOfServiceLevel.AtLeastOnce), (f.Topic, f.QualityOfServiceLevel)),
            f => Assert.Equal(("meters/#", MqttQualityOfServiceLevel.AtMostOnce), (f.Topic, f.QualityOfServiceLevel)));
    }

    [Fact]
    public void Subscription_Mqtt5_SetsNoLocalAndRetainAsPublished()
    {
        var filter = Assert.Single(MqttBrokerClient.Subscription([("meters/#", DeliveryGuarantee.AtLeastOnce)], MqttProtocol.V5).TopicFilters);

        Assert.True(filter.NoLocal);
        Assert.True(filter.RetainAsPublished);
        Assert.Equal(MqttRetainHandling.SendAtSubscribeIfNewSubscriptionOnly, filter.RetainHandling);
    }

    /// <summary>MQTT 3.1.1 has no subscription options: the bits would be a malformed SUBSCRIBE.</summary>
    [Fact]
    public void Subscription_Mqtt311_SetsNoMqtt5Options()
    {
        var filter = Assert.Single(MqttBrokerClient.Subscription([("meters/#", DeliveryGuarantee.AtLeastOnce)], MqttProtocol.V311).TopicFilters);

        Assert.False(filter.NoLocal);
        Assert.False(filter.RetainAsPublished);
    }
}
