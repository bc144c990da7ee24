namespace Bridge.Adapters.Modbus.Protocol;

/// <summary>
/// Exception codes of an exception response (Modbus Application Protocol Specification V1.1b3,
/// §7). The server in this stack sends 01 to 04, 0x0A and 0x0B; the client accepts every code the
/// specification defines, since a device may also answer 05, 06 or 08.
/// </summary>
public enum ModbusExceptionCode : byte
{
    /// <summary>Not an exception: a normal response.</summary>
    None = 0x00,

    /// <summary>01: the function code is not one the server supports.</summary>
    IllegalFunction = 0x01,

    /// <summary>02: the address, or the address plus the quantity, is outside what the server holds.</summary>
    IllegalDataAddress = 0x02,

    /// <summary>03: a value in the request is not allowed: a quantity out of range, an inconsistent byte count or length, a coil value other than 0x0000/0xFF00.</summary>
    IllegalDataValue = 0x03,

    /// <summary>04: an unrecoverable error while the server performed the action.</summary>
    ServerDeviceFailure = 0x04,

    /// <summary>05: accepted, but it will take long (programming commands).</summary>
    Acknowledge = 0x05,

    /// <summary>06: the server is busy with a long command.</summary>
    ServerDeviceBusy = 0x06,

    /// <summary>08: a parity error in extended memory (function codes 20 and 21).</summary>
    MemoryParityError = 0x08,

    /// <summary>0x0A: a gateway could not allocate a path to the target.</summary>
    GatewayPathUnavailable = 0x0A,

    /// <summary>0x0B: a gateway got no response from the target device.</summary>
    GatewayTargetDeviceFailedToRespond = 0x0B,
}

/// <summary>Facts about exception codes.</summary>
public static class ModbusExceptionCodes
{
    /// <summary>True for the codes §7 defines (not <see cref="ModbusExceptionCode.None"/>).</summary>
    public static bool IsDefined(this ModbusExceptionCode code) => code is
        ModbusExceptionCode.IllegalFunction or ModbusExceptionCode.IllegalDataAddress
        or ModbusExceptionCode.IllegalDataValue or ModbusExceptionCode.ServerDeviceFailure
        or ModbusExceptionCode.Acknowledge or ModbusExceptionCode.ServerDeviceBusy
        or ModbusExceptionCode.MemoryParityError or ModbusExceptionCode.GatewayPathUnavailable
        or ModbusExceptionCode.GatewayTargetDeviceFailedToRespond;
}
