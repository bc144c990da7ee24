using Bridge.Multicast.Wire;

namespace Bridge.Core.Routing;

/// <summary>A message an adapter took from a legacy protocol, before routing.</summary>
/// <param name="Topic">Where it came from, in the adapter's terms (an MQTT topic name).</param>
/// <param name="Payload">The message body.</param>
/// <param name="ContentType">What the body holds.</param>
/// <param name="Retained">Whether it is the topic's retained (last-value) message; it goes to the group with the LastValue flag.</param>
public sealed record InboundMessage(string Topic, ReadOnlyMemory<byte> Payload, ContentType ContentType, bool Retained = false);
