namespace Bridge.Core.Routing;

/// <summary>What a mapping rule promises for the messages it carries.</summary>
public enum DeliveryGuarantee
{
    /// <summary>Fire and forget: MQTT QoS 0; AMQP without confirms.</summary>
    AtMostOnce,

    /// <summary>Acknowledged: MQTT QoS 1; AMQP publisher confirms and manual acknowledgement after hand-off.</summary>
    AtLeastOnce,
}

/// <summary>How a message from a group is published on the legacy side.</summary>
/// <param name="Retain">Publish it as the topic's retained (last-value) message.</param>
/// <param name="Guarantee">The delivery guarantee of the rule that maps it.</param>
public readonly record struct PublishOptions(bool Retain = false, DeliveryGuarantee Guarantee = DeliveryGuarantee.AtLeastOnce);

/// <summary>The outbound side of an adapter: publishes a group's message on a legacy topic.</summary>
public interface ITopicPublisher
{
    /// <summary>Publishes <paramref name="payload"/> on <paramref name="topic"/>.</summary>
    ValueTask PublishAsync(string topic, ReadOnlyMemory<byte> payload, PublishOptions options, CancellationToken cancellationToken = default);
}
