using Microsoft.Extensions.Logging;

namespace Bridge.Adapters.Iec61850.Mms.Association;

/// <summary>Log messages of the MMS association driver (event ids 1501-1520).</summary>
internal static partial class MmsAssociationLog
{
    [LoggerMessage(1501, LogLevel.Information, "MMS association with {Peer} established: {MaxOutstanding} requests in flight, PDUs up to {MaxPdu} octets, TPDUs of {TpduSize}")]
    public static partial void Established(ILogger logger, string peer, int maxOutstanding, int maxPdu, int tpduSize);

    [LoggerMessage(1502, LogLevel.Information, "MMS association with {Peer} concluded and released")]
    public static partial void Concluded(ILogger logger, string peer);

    [LoggerMessage(1503, LogLevel.Warning, "MMS association with {Peer} closed: {Reason}: {Detail}")]
    public static partial void Closed(ILogger logger, string peer, MmsCloseReason reason, string detail);

    [LoggerMessage(1504, LogLevel.Error, "MMS association with {Peer} failed unexpectedly")]
    public static partial void Unexpected(ILogger logger, string peer, Exception exception);

    [LoggerMessage(1505, LogLevel.Warning, "Dropped an information report from {Peer}: the report queue of {Capacity} is full ({Dropped} dropped so far)")]
    public static partial void ReportDropped(ILogger logger, string peer, int capacity, long dropped);

    [LoggerMessage(1506, LogLevel.Warning, "Reject from {Peer} that names no outstanding request: {Kind} reason {Reason}")]
    public static partial void UnmatchedReject(ILogger logger, string peer, Pdu.RejectKind kind, int reason);

    [LoggerMessage(1507, LogLevel.Debug, "Ignored {What} from {Peer}")]
    public static partial void Ignored(ILogger logger, string what, string peer);

    [LoggerMessage(1508, LogLevel.Warning, "Connecting to {Peer} failed: {Failure}: {Detail}")]
    public static partial void ConnectFailed(ILogger logger, string peer, MmsConnectFailure failure, string detail);

    [LoggerMessage(1509, LogLevel.Information, "MMS association with {Peer} aborted by this client: {Detail}")]
    public static partial void AbortedLocally(ILogger logger, string peer, string detail);
}
