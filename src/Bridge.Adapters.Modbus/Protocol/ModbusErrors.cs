namespace Bridge.Adapters.Modbus.Protocol;

/// <summary>
/// Why a byte stream is not a sequence of Modbus TCP frames. Every reason but
/// <see cref="Incomplete"/> makes the server close the connection: once a header is wrong, where
/// the next frame starts is unknown (docs/modbus.md, "Malformed input").
/// </summary>
public enum ModbusFrameError : byte
{
    /// <summary>A whole frame.</summary>
    None,

    /// <summary>More bytes are needed; nothing wrong so far.</summary>
    Incomplete,

    /// <summary>The protocol identifier is not 0 (Implementation Guide §3.1.3: 0 = Modbus).</summary>
    ProtocolIdNotModbus,

    /// <summary>The length field is below 2: no room for the unit id and a function code.</summary>
    LengthTooSmall,

    /// <summary>The length field is above 254: the frame would exceed the 260-byte ADU.</summary>
    LengthTooLarge,

    /// <summary>The stream ended inside a frame (a truncated MBAP header or PDU).</summary>
    Truncated,
}

/// <summary>
/// Why a request PDU was refused, each with the exception code the server answers
/// (<see cref="ModbusErrorDescriptions.ExceptionCode(ModbusRequestError)"/>), in the order
/// §6's state diagrams check: function code (01), then quantity and length (03), then address (02).
/// </summary>
public enum ModbusRequestError : byte
{
    /// <summary>A valid request.</summary>
    None,

    /// <summary>Not one of the nine supported function codes: exception 01.</summary>
    IllegalFunction,

    /// <summary>The PDU is shorter or longer than its function code's layout: exception 03 (§7: "the implied length is incorrect").</summary>
    WrongLength,

    /// <summary>A quantity outside the function's range (coils 1-2000 read, 1-1968 written; registers 1-125 read, 1-123 written; FC 23 1-125 read, 1-121 written): exception 03.</summary>
    QuantityOutOfRange,

    /// <summary>The byte count does not match the quantity (ceil(N/8) for coils, 2N for registers): exception 03.</summary>
    ByteCountMismatch,

    /// <summary>FC 5 with a value other than 0x0000 or 0xFF00: exception 03.</summary>
    InvalidCoilValue,

    /// <summary>Start plus quantity goes past address 65535: exception 02.</summary>
    AddressOutOfRange,

    /// <summary>Blocks that do not fit the function code (only ever from our own API misuse, never decoded).</summary>
    InvalidRequest,
}

/// <summary>Why a response PDU does not answer the request it was matched with.</summary>
public enum ModbusResponseError : byte
{
    /// <summary>A valid answer.</summary>
    None,

    /// <summary>The function code is neither the request's nor the request's with 0x80 set.</summary>
    FunctionMismatch,

    /// <summary>The PDU is shorter or longer than its function code's layout.</summary>
    WrongLength,

    /// <summary>The byte count, or the number of values, does not match the quantity requested.</summary>
    ByteCountMismatch,

    /// <summary>A write's echo (address, quantity or value) differs from the request.</summary>
    EchoMismatch,

    /// <summary>An FC 5 echo with a value other than 0x0000 or 0xFF00.</summary>
    InvalidCoilValue,

    /// <summary>An exception response with a code the specification does not define (§7).</summary>
    UnknownExceptionCode,
}

/// <summary>Words and exception codes for the error enums.</summary>
public static class ModbusErrorDescriptions
{
    /// <summary>The exception code the server answers a request refused for <paramref name="error"/>.</summary>
    public static ModbusExceptionCode ExceptionCode(this ModbusRequestError error) => error switch
    {
        ModbusRequestError.None => ModbusExceptionCode.None,
        ModbusRequestError.IllegalFunction => ModbusExceptionCode.IllegalFunction,
        ModbusRequestError.AddressOutOfRange => ModbusExceptionCode.IllegalDataAddress,
        _ => ModbusExceptionCode.IllegalDataValue,
    };

    /// <summary>A phrase for logs and exception messages.</summary>
    public static string Describe(this ModbusRequestError error) => error switch
    {
        ModbusRequestError.None => "valid",
        ModbusRequestError.IllegalFunction => "function code not supported",
        ModbusRequestError.WrongLength => "PDU length does not match the function code's layout",
        ModbusRequestError.QuantityOutOfRange => "quantity outside the range the specification allows",
        ModbusRequestError.ByteCountMismatch => "byte count does not match the quantity",
        ModbusRequestError.InvalidCoilValue => "coil value is neither 0x0000 nor 0xFF00",
        ModbusRequestError.AddressOutOfRange => "start address plus quantity goes past 65535",
        ModbusRequestError.InvalidRequest => "blocks do not fit the function code",
        _ => error.ToString(),
    };

    /// <summary>A phrase for logs and exception messages.</summary>
    public static string Describe(this ModbusResponseError error) => error switch
    {
        ModbusResponseError.None => "valid",
        ModbusResponseError.FunctionMismatch => "function code does not answer the request's",
        ModbusResponseError.WrongLength => "PDU length does not match the function code's layout",
        ModbusResponseError.ByteCountMismatch => "number of values does not match the quantity requested",
        ModbusResponseError.EchoMismatch => "write echo differs from the request",
        ModbusResponseError.InvalidCoilValue => "coil value is neither 0x0000 nor 0xFF00",
        ModbusResponseError.UnknownExceptionCode => "exception code not defined by the specification",
        _ => error.ToString(),
    };

    /// <summary>A phrase for logs and exception messages.</summary>
    public static string Describe(this ModbusFrameError error) => error switch
    {
        ModbusFrameError.None => "valid",
        ModbusFrameError.Incomplete => "incomplete",
        ModbusFrameError.ProtocolIdNotModbus => "protocol identifier is not 0 (Modbus)",
        ModbusFrameError.LengthTooSmall => "MBAP length below 2",
        ModbusFrameError.LengthTooLarge => "MBAP length above 254 (frame over 260 bytes)",
        ModbusFrameError.Truncated => "stream ended inside a frame",
        _ => error.ToString(),
    };
}
