namespace Bridge.Adapters.Modbus.Protocol;

/// <summary>
/// The function codes this stack decodes and encodes (Modbus Application Protocol Specification
/// V1.1b3, §6). A request with any other code is answered with exception 01 (illegal function);
/// the type is a byte-backed enum so that such a code can still be carried back in the answer.
/// </summary>
public enum ModbusFunctionCode : byte
{
    /// <summary>0x01, §6.1: read 1 to 2000 coils.</summary>
    ReadCoils = 0x01,

    /// <summary>0x02, §6.2: read 1 to 2000 discrete inputs.</summary>
    ReadDiscreteInputs = 0x02,

    /// <summary>0x03, §6.3: read 1 to 125 holding registers.</summary>
    ReadHoldingRegisters = 0x03,

    /// <summary>0x04, §6.4: read 1 to 125 input registers.</summary>
    ReadInputRegisters = 0x04,

    /// <summary>0x05, §6.5: write one coil (0xFF00 on, 0x0000 off).</summary>
    WriteSingleCoil = 0x05,

    /// <summary>0x06, §6.6: write one holding register.</summary>
    WriteSingleRegister = 0x06,

    /// <summary>0x0F, §6.11: write 1 to 1968 coils.</summary>
    WriteMultipleCoils = 0x0F,

    /// <summary>0x10, §6.12: write 1 to 123 holding registers.</summary>
    WriteMultipleRegisters = 0x10,

    /// <summary>0x17, §6.17: write 1 to 121 holding registers, then read 1 to 125.</summary>
    ReadWriteMultipleRegisters = 0x17,
}

/// <summary>The four data tables of the Modbus data model (§4.3).</summary>
public enum ModbusTable : byte
{
    /// <summary>Single bits, read-write (function codes 1, 5, 15).</summary>
    Coils,

    /// <summary>Single bits, read-only (function code 2).</summary>
    DiscreteInputs,

    /// <summary>16-bit words, read-write (function codes 3, 6, 16, 23).</summary>
    HoldingRegisters,

    /// <summary>16-bit words, read-only (function code 4).</summary>
    InputRegisters,
}

/// <summary>Facts about function codes.</summary>
public static class ModbusFunctionCodes
{
    /// <summary>Set on the function code of an exception response (§7).</summary>
    public const byte ExceptionFlag = 0x80;

    /// <summary>True for the nine function codes this stack implements.</summary>
    public static bool IsSupported(this ModbusFunctionCode function) => function is
        ModbusFunctionCode.ReadCoils or ModbusFunctionCode.ReadDiscreteInputs
        or ModbusFunctionCode.ReadHoldingRegisters or ModbusFunctionCode.ReadInputRegisters
        or ModbusFunctionCode.WriteSingleCoil or ModbusFunctionCode.WriteSingleRegister
        or ModbusFunctionCode.WriteMultipleCoils or ModbusFunctionCode.WriteMultipleRegisters
        or ModbusFunctionCode.ReadWriteMultipleRegisters;

    /// <summary>The table a supported function code works on.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The function code is not one of the nine.</exception>
    public static ModbusTable Table(this ModbusFunctionCode function) => function switch
    {
        ModbusFunctionCode.ReadCoils or ModbusFunctionCode.WriteSingleCoil or ModbusFunctionCode.WriteMultipleCoils => ModbusTable.Coils,
        ModbusFunctionCode.ReadDiscreteInputs => ModbusTable.DiscreteInputs,
        ModbusFunctionCode.ReadHoldingRegisters or ModbusFunctionCode.WriteSingleRegister
            or ModbusFunctionCode.WriteMultipleRegisters or ModbusFunctionCode.ReadWriteMultipleRegisters => ModbusTable.HoldingRegisters,
        ModbusFunctionCode.ReadInputRegisters => ModbusTable.InputRegisters,
        _ => throw new ArgumentOutOfRangeException(nameof(function), function, "not a supported Modbus function code"),
    };

    /// <summary>True when the function's values are single bits (coils or discrete inputs).</summary>
    public static bool IsBitAccess(this ModbusFunctionCode function) => function is
        ModbusFunctionCode.ReadCoils or ModbusFunctionCode.ReadDiscreteInputs
        or ModbusFunctionCode.WriteSingleCoil or ModbusFunctionCode.WriteMultipleCoils;
}
