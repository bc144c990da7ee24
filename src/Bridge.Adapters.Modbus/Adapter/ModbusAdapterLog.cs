using Microsoft.Extensions.Logging;

namespace Bridge.Adapters.Modbus.Adapter;

/// <summary>Log lines of the Modbus adapter side; event ids 780 to 799.</summary>
internal static partial class ModbusAdapterLog
{
    [LoggerMessage(780, LogLevel.Warning, "Modbus group message for {Address} dropped: {Reason}")]
    public static partial void GroupPayloadDropped(ILogger logger, string address, string reason);

    [LoggerMessage(781, LogLevel.Warning, "Modbus read of rule {Rule} ('{Block}') answered with exception 0x0B: {Reason}")]
    public static partial void AggregateUnanswered(ILogger logger, string rule, string block, string reason);

    [LoggerMessage(782, LogLevel.Warning, "{Count} more unanswered aggregate reads were not logged")]
    public static partial void AggregateFailuresSuppressed(ILogger logger, long count);

    [LoggerMessage(783, LogLevel.Warning, "Modbus device {Device}: a group command for {Block} was not written: {Reason}")]
    public static partial void DeviceWriteFailed(ILogger logger, string device, string block, string reason);

    [LoggerMessage(784, LogLevel.Warning, "{Count} more group commands that were not written to the device were not logged")]
    public static partial void DeviceWriteFailuresSuppressed(ILogger logger, long count);
}
