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
/// <param name="Retain">Publish it as the address's retained (last-value) message.</param>
/// <param name="Guarantee">The delivery guarantee of the rule that maps it.</param>
public readonly record struct PublishOptions(bool Retain = false, DeliveryGuarantee Guarantee = DeliveryGuarantee.AtLeastOnce);

/// <summary>The outbound side of an adapter: publishes a group's message at an address of its kind (an MQTT topic, an AMQP routing key).</summary>
/// <typeparam name="TAddress">The kind's address type.</typeparam>
public interface IEndpointPublisher<in TAddress>
{
    /// <summary>Publishes <paramref name="payload"/> at <paramref name="address"/>.</summary>
    ValueTask PublishAsync(TAddress address, ReadOnlyMemory<byte> payload, PublishOptions options, CancellationToken cancellationToken = default);
}
