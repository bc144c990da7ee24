using System.Buffers;
using Bridge.Core.Routing;
using Bridge.Multicast.Wire;
using MQTTnet;
using MQTTnet.Protocol;

namespace Bridge.Adapters.Mqtt;

/// <summary>Conversions between MQTT application messages and the router's messages, for both modes.</summary>
internal static class MqttMessages
{
    /// <summary>A received MQTT message as the router takes it; the payload is copied, MQTTnet reuses its buffers.</summary>
    public static InboundMessage ToInbound(MqttApplicationMessage message)
        => new(message.Topic, message.Payload.ToArray(), ContentType.MqttPublish);

    /// <summary>A group's message to publish on <paramref name="topic"/>, at least once.</summary>
    public static MqttApplicationMessage FromGroup(string topic, ReadOnlyMemory<byte> payload)
        => new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(new ReadOnlySequence<byte>(payload))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
}
