using System.Buffers;
using Bridge.Core.Routing;
using Bridge.Multicast.Wire;
using MQTTnet;
using MQTTnet.Protocol;

namespace Bridge.Adapters.Mqtt;

/// <summary>Conversions between MQTT application messages and the router's messages, for both modes.</summary>
internal static class MqttMessages
{
    /// <summary>
    /// A received MQTT message as the router takes it; the payload is copied, MQTTnet reuses its
    /// buffers. A retained message (the RETAIN flag, MQTT §3.3.1.3) is the topic's last value.
    /// </summary>
    public static InboundMessage<string> ToInbound(MqttApplicationMessage message)
        => new(message.Topic, message.Payload.ToArray(), ContentType.MqttPublish, message.Retain);

    /// <summary>A group's message to publish on <paramref name="topic"/> with the rule's guarantee and retain flag.</summary>
    public static MqttApplicationMessage FromGroup(string topic, ReadOnlyMemory<byte> payload, PublishOptions options)
        => new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(new ReadOnlySequence<byte>(payload))
            .WithQualityOfServiceLevel(options.Guarantee == DeliveryGuarantee.AtMostOnce ? MqttQualityOfServiceLevel.AtMostOnce : MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(options.Retain)
            .Build();
}
