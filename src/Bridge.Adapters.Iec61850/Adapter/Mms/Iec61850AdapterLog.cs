using Microsoft.Extensions.Logging;

namespace Bridge.Adapters.Iec61850.Adapter.Mms;

/// <summary>Log lines of the IEC 61850 (MMS) adapter side; event ids 1541 to 1559.</summary>
internal static partial class Iec61850AdapterLog
{
    [LoggerMessage(1541, LogLevel.Information, "IEC 61850 IED {Ied} ({Address}) associated; {Rules} rule(s) on it")]
    public static partial void Associated(ILogger logger, string ied, string address, int rules);

    [LoggerMessage(1542, LogLevel.Warning, "IEC 61850 IED {Ied} ({Address}) cannot be reached ({Failure}): {Detail}; next attempt in {Delay}")]
    public static partial void ConnectFailed(ILogger logger, string ied, string address, string failure, string detail, TimeSpan delay);

    [LoggerMessage(1543, LogLevel.Warning, "IEC 61850 IED {Ied} ({Address}): the association closed ({Reason}): {Detail}; reconnecting in {Delay}")]
    public static partial void AssociationClosed(ILogger logger, string ied, string address, string reason, string detail, TimeSpan delay);

    [LoggerMessage(1544, LogLevel.Warning, "IEC 61850 IED {Ied}: rule '{Rule}' ({Reference}) could not enable reporting: {Reason}")]
    public static partial void ReportSetupFailed(ILogger logger, string ied, string rule, string reference, string reason);

    [LoggerMessage(1545, LogLevel.Warning, "IEC 61850 IED {Ied}: read of {Reference} failed: {Reason}")]
    public static partial void ReadFailed(ILogger logger, string ied, string reference, string reason);

    [LoggerMessage(1546, LogLevel.Information, "IEC 61850 IED {Ied}: {Action} of {Reference} with {Value} done")]
    public static partial void CommandApplied(ILogger logger, string ied, string action, string reference, string value);

    [LoggerMessage(1547, LogLevel.Warning, "IEC 61850 IED {Ied}: a group command for {Action} of {Reference} was not applied ({Failure}): {Reason}")]
    public static partial void CommandFailed(ILogger logger, string ied, string action, string reference, string failure, string reason);

    [LoggerMessage(1548, LogLevel.Warning, "IEC 61850 report {ReportId} from IED {Ied} matches no report rule and was dropped")]
    public static partial void ReportUnmatched(ILogger logger, string ied, string reportId);

    [LoggerMessage(1549, LogLevel.Warning, "IEC 61850 request for group {Group} not answered by IED {Ied} ({Reference}): {Reason}")]
    public static partial void RequestUnanswered(ILogger logger, string group, string ied, string reference, string reason);

    [LoggerMessage(1550, LogLevel.Warning, "{Count} more IEC 61850 failures were not logged")]
    public static partial void FailuresSuppressed(ILogger logger, long count);

    [LoggerMessage(1551, LogLevel.Error, "IEC 61850 IED {Ied}: the connection loop failed unexpectedly; reconnecting")]
    public static partial void LoopFailed(ILogger logger, Exception exception, string ied);

    [LoggerMessage(1552, LogLevel.Information, "IEC 61850 IED {Ied}: buffered block {Reference} resumes after entry {EntryId}")]
    public static partial void ReportingResumed(ILogger logger, string ied, string reference, string entryId);

    [LoggerMessage(1553, LogLevel.Warning, "IEC 61850 IED {Ied}: buffered block {Reference} no longer holds entry {EntryId} ({Reason}); it sends its whole buffer, so reports may come twice")]
    public static partial void ResumeRefused(ILogger logger, string ied, string reference, string entryId, string reason);
}
