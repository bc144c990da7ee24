using System.Net;
using Bridge.Adapters.Modbus.Protocol;
using Microsoft.Extensions.Logging;

namespace Bridge.Adapters.Modbus.Client;

/// <summary>Log lines of the Modbus TCP client; event ids 750 to 799.</summary>
internal static partial class ModbusClientLog
{
    [LoggerMessage(750, LogLevel.Information, "Connected to Modbus server {Server} ({Security})")]
    public static partial void Connected(ILogger logger, EndPoint server, string security);

    [LoggerMessage(751, LogLevel.Warning, "Connecting to Modbus server {Server} failed: {Reason}; calls fail without trying for {DelayMs} ms")]
    public static partial void ConnectFailed(ILogger logger, EndPoint server, string reason, double delayMs);

    [LoggerMessage(752, LogLevel.Warning, "Connection to Modbus server {Server} lost: {Reason}; {Pending} request(s) in flight failed")]
    public static partial void ConnectionLost(ILogger logger, EndPoint server, string reason, int pending);

    [LoggerMessage(753, LogLevel.Warning, "Modbus request {Request} to unit {UnitId} on {Server} failed ({Failure}): {Detail}")]
    public static partial void RequestFailed(ILogger logger, ModbusRequest request, byte unitId, EndPoint server, ModbusFailure failure, string detail);

    [LoggerMessage(754, LogLevel.Debug, "Answer with transaction {TransactionId} from Modbus server {Server} matches no request in flight; dropped")]
    public static partial void Unmatched(ILogger logger, ushort transactionId, EndPoint server);

    [LoggerMessage(755, LogLevel.Debug, "Modbus request {Request} to unit {UnitId} on {Server} not sent: {Detail}")]
    public static partial void NotSent(ILogger logger, ModbusRequest request, byte unitId, EndPoint server, string detail);
}
