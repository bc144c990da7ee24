namespace Bridge.Multicast.Wire;

/// <summary>What the payload of a frame holds (offset 5). Values not listed are rejected.</summary>
public enum ContentType : byte
{
    /// <summary>Opaque bytes; for the debug tools, UTF-8 text.</summary>
    Raw = 0,

    /// <summary>The payload of an MQTT PUBLISH packet, topic and properties left behind.</summary>
    MqttPublish = 1,

    /// <summary>An AMQP message, as the AMQP adapter encodes it.</summary>
    AmqpMessage = 2,

    /// <summary>A Modbus PDU (function code and data, without the MBAP header).</summary>
    ModbusPdu = 3,

    /// <summary>An IEC 61850 GOOSE APDU (the BER-encoded goosePdu, without the Ethernet header).</summary>
    GooseApdu = 4,
}
