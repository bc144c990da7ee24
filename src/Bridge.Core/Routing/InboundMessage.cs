using Bridge.Multicast.Wire;

namespace Bridge.Core.Routing;

/// <summary>A message an adapter took from a legacy protocol, before routing.</summary>
/// <typeparam name="TAddress">The address type of the adapter's kind.</typeparam>
/// <param name="Address">Where it came from, in the adapter's terms (an MQTT topic name, an AMQP routing key).</param>
/// <param name="Payload">The message body.</param>
/// <param name="ContentType">What the body holds.</param>
/// <param name="Retained">Whether it is the address's retained (last-value) message; it goes to the group with the LastValue flag.</param>
public sealed record InboundMessage<TAddress>(TAddress Address, ReadOnlyMemory<byte> Payload, ContentType ContentType, bool Retained = false)
    where TAddress : notnull;
