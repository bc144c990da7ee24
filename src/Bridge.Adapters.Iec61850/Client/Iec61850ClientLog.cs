using Microsoft.Extensions.Logging;

namespace Bridge.Adapters.Iec61850.Client;

/// <summary>Log messages of the IEC 61850 client (event ids 1521-1540).</summary>
internal static partial class Iec61850ClientLog
{
    [LoggerMessage(1521, LogLevel.Warning, "A report from {Peer} does not decode and was dropped: {Error}")]
    public static partial void ReportMalformed(ILogger logger, string peer, string error);

    [LoggerMessage(1522, LogLevel.Warning, "Dropped a report from {Peer}: the report queue of {Capacity} is full ({Dropped} dropped so far)")]
    public static partial void ReportDropped(ILogger logger, string peer, int capacity, long dropped);

    [LoggerMessage(1523, LogLevel.Information, "Reporting enabled on {ControlBlock} at {Peer}: report id {ReportId}, data set {DataSet} of {Members} members")]
    public static partial void ReportingEnabled(ILogger logger, string controlBlock, string peer, string reportId, string dataSet, int members);

    [LoggerMessage(1524, LogLevel.Information, "Command on {ControlObject} at {Peer} refused: {Detail}")]
    public static partial void ControlRefused(ILogger logger, string controlObject, string peer, string detail);

    [LoggerMessage(1525, LogLevel.Debug, "LastApplError from {Peer} for {ControlObject}: error {Error}, cause {AddCause}")]
    public static partial void LastApplErrorReceived(ILogger logger, string peer, string controlObject, int error, Control.AddCause addCause);

    [LoggerMessage(1526, LogLevel.Warning, "Dropped {Segments} segment(s) of report {ReportId} from {Peer}: {Reason}")]
    public static partial void ReportSegmentsDropped(ILogger logger, string peer, string reportId, int segments, string reason);
}
