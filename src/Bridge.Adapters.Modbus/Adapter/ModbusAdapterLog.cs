using Microsoft.Extensions.Logging;

namespace Bridge.Adapters.Modbus.Adapter;

/// <summary>Log lines of the Modbus adapter side; event ids 780 to 799.</summary>
internal static partial class ModbusAdapterLog
{
    [LoggerMessage(780, LogLevel.Warning, "Modbus group message for {Address} dropped: {Reason}")]
    public static partial void GroupPayloadDropped(ILogger logger, string address, string reason);
}
