using Bridge.Adapters.Modbus.Protocol;

namespace Bridge.Adapters.Modbus.Client;

/// <summary>How a client request failed; each is counted (<see cref="ModbusClientCounters"/>).</summary>
public enum ModbusFailure
{
    /// <summary>No answer within the request's timeout.</summary>
    Timeout,

    /// <summary>The server answered with an exception response (<see cref="ModbusClientException.ExceptionCode"/>).</summary>
    ExceptionResponse,

    /// <summary>The connection broke (closed, reset, or a bad frame from the server) before the answer came.</summary>
    ConnectionLost,

    /// <summary>This call tried to connect and failed (refused, unreachable, TLS refused, too slow).</summary>
    ConnectFailed,

    /// <summary>Not sent: the last connection attempt failed and the reconnect delay has not passed.</summary>
    NotConnected,

    /// <summary>An answer came that does not fit the request (<see cref="ModbusClientException.ResponseError"/>).</summary>
    MalformedResponse,
}

/// <summary>
/// A client request failed; <see cref="Failure"/> says how, for code that counts failures (a
/// device that keeps failing is missing, not zero). A call cancelled by its caller throws
/// <see cref="OperationCanceledException"/> instead.
/// </summary>
public sealed class ModbusClientException : Exception
{
    /// <summary>A failure of a request <paramref name="function"/> to unit <paramref name="unitId"/>.</summary>
    public ModbusClientException(
        ModbusFailure failure,
        string message,
        byte unitId,
        ModbusFunctionCode function,
        ModbusExceptionCode exceptionCode = ModbusExceptionCode.None,
        ModbusResponseError responseError = ModbusResponseError.None,
        Exception? innerException = null)
        : base(message, innerException)
    {
        Failure = failure;
        UnitId = unitId;
        Function = function;
        ExceptionCode = exceptionCode;
        ResponseError = responseError;
    }

    /// <summary>A failure described by <paramref name="message"/> alone (of kind <see cref="ModbusFailure.ConnectionLost"/>).</summary>
    public ModbusClientException(string message)
        : this(ModbusFailure.ConnectionLost, message, 0, default)
    {
    }

    /// <summary>A failure described by <paramref name="message"/> alone, caused by <paramref name="innerException"/>.</summary>
    public ModbusClientException(string message, Exception innerException)
        : this(ModbusFailure.ConnectionLost, message, 0, default, innerException: innerException)
    {
    }

    /// <summary>Not used: a failure always has a message.</summary>
    public ModbusClientException()
        : this("Modbus request failed")
    {
    }

    /// <summary>How the request failed.</summary>
    public ModbusFailure Failure { get; }

    /// <summary>The unit id the request was for.</summary>
    public byte UnitId { get; }

    /// <summary>The request's function code.</summary>
    public ModbusFunctionCode Function { get; }

    /// <summary>With <see cref="ModbusFailure.ExceptionResponse"/>: the server's exception code.</summary>
    public ModbusExceptionCode ExceptionCode { get; }

    /// <summary>With <see cref="ModbusFailure.MalformedResponse"/>: what was wrong with the answer.</summary>
    public ModbusResponseError ResponseError { get; }
}
