using System.Net;
using Bridge.Adapters.Modbus.Protocol;
using Microsoft.Extensions.Logging;

namespace Bridge.Adapters.Modbus.Server;

/// <summary>Log lines of the Modbus TCP server; event ids 700 to 749.</summary>
internal static partial class ModbusServerLog
{
    [LoggerMessage(700, LogLevel.Information, "Modbus TCP server listening on {Endpoint} ({Security}); at most {MaxConnections} connections, {MaxInFlight} requests in flight each")]
    public static partial void Listening(ILogger logger, EndPoint endpoint, string security, int maxConnections, int maxInFlight);

    [LoggerMessage(701, LogLevel.Debug, "Modbus connection {Connection} accepted on {Local}")]
    public static partial void Accepted(ILogger logger, ModbusConnectionInfo connection, EndPoint? local);

    [LoggerMessage(702, LogLevel.Warning, "Modbus connection from {Remote} refused: {Open} connections are open, the limit")]
    public static partial void Refused(ILogger logger, EndPoint? remote, long open);

    [LoggerMessage(703, LogLevel.Debug, "Modbus connection {Connection} closed: {Reason}, after {Requests} requests")]
    public static partial void Closed(ILogger logger, ModbusConnectionInfo connection, ModbusCloseReason reason, long requests);

    [LoggerMessage(704, LogLevel.Warning, "Modbus connection {Connection} closed: {Error} ({Detail}); answers to requests accepted before it are still written")]
    public static partial void FrameRejected(ILogger logger, ModbusConnectionInfo connection, ModbusFrameError error, string detail);

    [LoggerMessage(705, LogLevel.Information, "Modbus request {Function:X2} from {Connection} (transaction {TransactionId}, unit {UnitId}) refused with exception {Code}: {Reason}")]
    public static partial void RequestRejected(ILogger logger, byte function, ModbusConnectionInfo connection, ushort transactionId, byte unitId, ModbusExceptionCode code, string reason);

    [LoggerMessage(706, LogLevel.Error, "Modbus request handler failed on {Request} from {Connection} (unit {UnitId}); answered exception 04")]
    public static partial void HandlerFailed(ILogger logger, Exception exception, ModbusRequest request, ModbusConnectionInfo connection, byte unitId);

    [LoggerMessage(707, LogLevel.Warning, "Modbus request handler did not answer {Request} from {Connection} (unit {UnitId}) within {TimeoutMs} ms; answered exception 0x0B")]
    public static partial void HandlerTimedOut(ILogger logger, ModbusRequest request, ModbusConnectionInfo connection, byte unitId, double timeoutMs);

    [LoggerMessage(708, LogLevel.Error, "Modbus request handler answered {Request} from {Connection} with {Response}, which does not fit it ({Error}); answered exception 04")]
    public static partial void HandlerAnswerInvalid(ILogger logger, ModbusRequest request, ModbusConnectionInfo connection, ModbusResponse response, string error);

    [LoggerMessage(709, LogLevel.Warning, "Modbus/TCP Security handshake with {Remote} failed: {Reason}")]
    public static partial void TlsFailed(ILogger logger, EndPoint? remote, string reason);

    [LoggerMessage(710, LogLevel.Warning, "Modbus server could not accept a connection on {Endpoint}: {Reason}")]
    public static partial void AcceptFailed(ILogger logger, EndPoint endpoint, string reason);

    [LoggerMessage(711, LogLevel.Information, "Modbus TCP server on {Endpoint} stopped")]
    public static partial void Stopped(ILogger logger, EndPoint endpoint);

    [LoggerMessage(712, LogLevel.Error, "Modbus connection {Connection} failed unexpectedly")]
    public static partial void ConnectionFailed(ILogger logger, Exception exception, ModbusConnectionInfo connection);
}
