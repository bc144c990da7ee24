using Microsoft.Extensions.Logging;

namespace Bridge.Adapters.Iec61850.Adapter.Goose;

/// <summary>Log lines of the GOOSE tunnel side; event ids 1560 to 1579.</summary>
internal static partial class GooseAdapterLog
{
    [LoggerMessage(1560, LogLevel.Information, "GOOSE side on {Interface} ({Address}): capturing for {CaptureRules} rule(s), re-emitting for {EmitRules} rule(s)")]
    public static partial void Started(ILogger logger, string @interface, string address, int captureRules, int emitRules);

    [LoggerMessage(1561, LogLevel.Warning, "GOOSE frame captured on {Interface} from APPID 0x{AppId:x4} dropped: its APDU does not decode ({Reason})")]
    public static partial void CapturedMalformed(ILogger logger, string @interface, ushort appId, string reason);

    [LoggerMessage(1562, LogLevel.Warning, "GOOSE message of group {Group} dropped: {Reason}")]
    public static partial void GroupMessageDropped(ILogger logger, string group, string reason);

    [LoggerMessage(1563, LogLevel.Warning, "GOOSE upstream {GocbRef} lost (no APDU within its timeAllowedtoLive after stNum {StNum} sqNum {SqNum}): stopped re-emitting it as {Target}")]
    public static partial void UpstreamLost(ILogger logger, string gocbRef, uint stNum, uint sqNum, string target);

    [LoggerMessage(1564, LogLevel.Information, "GOOSE upstream {GocbRef} restored at stNum {StNum} sqNum {SqNum}: re-emitting it as {Target}")]
    public static partial void UpstreamRestored(ILogger logger, string gocbRef, uint stNum, uint sqNum, string target);

    [LoggerMessage(1565, LogLevel.Warning, "GOOSE frame for {Target} not sent: {Reason}")]
    public static partial void SendFailed(ILogger logger, string target, string reason);

    [LoggerMessage(1566, LogLevel.Warning, "{Count} more dropped GOOSE frames or messages were not logged")]
    public static partial void Suppressed(ILogger logger, long count);

    [LoggerMessage(1567, LogLevel.Error, "GOOSE capture on {Interface} ended: {Reason}")]
    public static partial void CaptureFailed(ILogger logger, string @interface, string reason);

    [LoggerMessage(1568, LogLevel.Information, "GOOSE stream {GocbRef} re-emitted as {Target}: first APDU stNum {StNum} sqNum {SqNum}")]
    public static partial void StreamStarted(ILogger logger, string gocbRef, string target, uint stNum, uint sqNum);

    [LoggerMessage(1569, LogLevel.Warning, "R-GOOSE datagram from {Source} on {Group} dropped: {Reason}")]
    public static partial void RGooseDropped(ILogger logger, string source, string group, string reason);

    [LoggerMessage(1570, LogLevel.Information, "R-GOOSE input: listening on {Group} for {Rules} in=rgoose rule(s)")]
    public static partial void RGooseListening(ILogger logger, string group, int rules);

    [LoggerMessage(1571, LogLevel.Error, "R-GOOSE input on {Group} ended: {Reason}")]
    public static partial void RGooseReceiveFailed(ILogger logger, string group, string reason);
}
