namespace Bridge.Multicast.Wire;

/// <summary>What the payload of a data frame holds (offset 5). Values not listed are rejected.</summary>
public enum ContentType : byte
{
    /// <summary>Opaque bytes; for the debug tools, UTF-8 text.</summary>
    Raw = 0,

    /// <summary>The payload of an MQTT PUBLISH packet, topic and properties left behind.</summary>
    MqttPublish = 1,
}
