namespace Bridge.Adapters.Modbus.Protocol;

/// <summary>
/// The limits the specifications set: Modbus Application Protocol Specification V1.1b3 (§4.1 and
/// the request tables of §6) and Modbus Messaging on TCP/IP Implementation Guide V1.0b (§3.1.3).
/// </summary>
public static class ModbusLimits
{
    /// <summary>Addresses per table: 0 to 65535.</summary>
    public const int AddressSpace = 65536;

    /// <summary>The MBAP header: transaction id, protocol id, length, unit id.</summary>
    public const int MbapHeaderSize = 7;

    /// <summary>The largest PDU (function code and data), §4.1: 256 bytes of a serial ADU less address and CRC.</summary>
    public const int MaxPduSize = 253;

    /// <summary>The largest Modbus TCP ADU: the MBAP header and the largest PDU.</summary>
    public const int MaxAduSize = MbapHeaderSize + MaxPduSize;

    /// <summary>The smallest MBAP length field: the unit id and a function code.</summary>
    public const int MinMbapLength = 2;

    /// <summary>The largest MBAP length field: the unit id and the largest PDU.</summary>
    public const int MaxMbapLength = 1 + MaxPduSize;

    /// <summary>The only protocol identifier of Modbus (MBAP, Implementation Guide §3.1.3).</summary>
    public const ushort ModbusProtocolId = 0;

    /// <summary>Coils or discrete inputs one read may ask for (FC 1 and 2): 0x07D0.</summary>
    public const int MaxReadBits = 2000;

    /// <summary>Coils one write may carry (FC 15): 0x07B0.</summary>
    public const int MaxWriteBits = 1968;

    /// <summary>Registers one read may ask for (FC 3, 4 and the read part of 23): 0x007D.</summary>
    public const int MaxReadRegisters = 125;

    /// <summary>Registers one FC 16 write may carry: 0x007B.</summary>
    public const int MaxWriteRegisters = 123;

    /// <summary>Registers the write part of FC 23 may carry: 0x0079.</summary>
    public const int MaxReadWriteWriteRegisters = 121;

    /// <summary>The value of FC 5 that switches a coil on.</summary>
    public const ushort CoilOn = 0xFF00;

    /// <summary>The value of FC 5 that switches a coil off.</summary>
    public const ushort CoilOff = 0x0000;
}
