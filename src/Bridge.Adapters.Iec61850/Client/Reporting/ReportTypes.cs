using Bridge.Adapters.Iec61850.Mms.Data;

namespace Bridge.Adapters.Iec61850.Client.Reporting;

/// <summary>TrgOps: what makes a report control block send (bit n of the bit string is flag 1 &lt;&lt; n).</summary>
[Flags]
public enum TriggerOptions
{
    /// <summary>None.</summary>
    None = 0,

    /// <summary>Bit 1, dchg.</summary>
    DataChange = 1 << 1,

    /// <summary>Bit 2, qchg.</summary>
    QualityChange = 1 << 2,

    /// <summary>Bit 3, dupd.</summary>
    DataUpdate = 1 << 3,

    /// <summary>Bit 4, period: integrity reports every IntgPd.</summary>
    Integrity = 1 << 4,

    /// <summary>Bit 5, gi: general interrogation on request.</summary>
    GeneralInterrogation = 1 << 5,
}

/// <summary>OptFlds: which optional fields a report carries (bit n is flag 1 &lt;&lt; n).</summary>
[Flags]
public enum ReportOptions
{
    /// <summary>None.</summary>
    None = 0,

    /// <summary>Bit 1, sequence-number.</summary>
    SequenceNumber = 1 << 1,

    /// <summary>Bit 2, report-time-stamp.</summary>
    ReportTimestamp = 1 << 2,

    /// <summary>Bit 3, reason-for-inclusion.</summary>
    ReasonForInclusion = 1 << 3,

    /// <summary>Bit 4, data-set-name.</summary>
    DataSetName = 1 << 4,

    /// <summary>Bit 5, data-reference.</summary>
    DataReference = 1 << 5,

    /// <summary>Bit 6, buffer-overflow.</summary>
    BufferOverflow = 1 << 6,

    /// <summary>Bit 7, entryID.</summary>
    EntryId = 1 << 7,

    /// <summary>Bit 8, conf-revision.</summary>
    ConfigurationRevision = 1 << 8,

    /// <summary>Bit 9, segmentation.</summary>
    Segmentation = 1 << 9,
}

/// <summary>ReasonCode: why a member is in a report (bit n is flag 1 &lt;&lt; n).</summary>
[Flags]
public enum ReasonForInclusion
{
    /// <summary>None.</summary>
    None = 0,

    /// <summary>Bit 1.</summary>
    DataChange = 1 << 1,

    /// <summary>Bit 2.</summary>
    QualityChange = 1 << 2,

    /// <summary>Bit 3.</summary>
    DataUpdate = 1 << 3,

    /// <summary>Bit 4.</summary>
    Integrity = 1 << 4,

    /// <summary>Bit 5.</summary>
    GeneralInterrogation = 1 << 5,

    /// <summary>Bit 6.</summary>
    ApplicationTrigger = 1 << 6,
}

/// <summary>One data set member in a report.</summary>
/// <param name="MemberIndex">Its position in the data set (the bit of the inclusion bit string).</param>
/// <param name="Reference">The member's reference: from the report's data references, else from the data set's directory when the client knows it.</param>
/// <param name="Value">Its value.</param>
/// <param name="Reason">Why it is included, when the report says.</param>
public sealed record ReportEntry(int MemberIndex, ObjectReference? Reference, MmsValue Value, ReasonForInclusion? Reason);

/// <summary>A report (IEC 61850-8-1 §17.2.3.2), decoded against its data set.</summary>
/// <param name="ReportId">RptID.</param>
/// <param name="Options">OptFlds: which optional fields follow.</param>
/// <param name="SequenceNumber">SeqNum.</param>
/// <param name="TimeOfEntry">TimeOfEntry.</param>
/// <param name="DataSet">DatSet, in its MMS form <c>LD/LN$Name</c>.</param>
/// <param name="BufferOverflow">BufOvfl.</param>
/// <param name="EntryId">EntryID.</param>
/// <param name="ConfigurationRevision">ConfRev.</param>
/// <param name="SubSequenceNumber">SubSeqNum, with segmentation.</param>
/// <param name="MoreSegmentsFollow">MoreSegmentsFollow, with segmentation.</param>
/// <param name="DataSetSize">The number of data set members (the length of the inclusion bit string).</param>
/// <param name="Entries">The included members, in data set order.</param>
public sealed record Report(
    string ReportId,
    ReportOptions Options,
    uint? SequenceNumber,
    BinaryTime? TimeOfEntry,
    string? DataSet,
    bool? BufferOverflow,
    byte[]? EntryId,
    uint? ConfigurationRevision,
    uint? SubSequenceNumber,
    bool? MoreSegmentsFollow,
    int DataSetSize,
    IReadOnlyList<ReportEntry> Entries);

/// <summary>The attributes of a report control block as read (IEC 61850-8-1 §17.2.2).</summary>
/// <param name="Reference">The block (<c>LD/LN.Name[RP]</c> or <c>[BR]</c>).</param>
/// <param name="Buffered">BRCB (FC BR) or URCB (FC RP).</param>
/// <param name="ReportId">RptID.</param>
/// <param name="Enabled">RptEna.</param>
/// <param name="Reserved">Resv (URCB only).</param>
/// <param name="DataSet">DatSet, MMS form.</param>
/// <param name="ConfigurationRevision">ConfRev.</param>
/// <param name="Options">OptFlds.</param>
/// <param name="BufferTime">BufTm, ms.</param>
/// <param name="SequenceNumber">SqNum.</param>
/// <param name="Triggers">TrgOps.</param>
/// <param name="IntegrityPeriod">IntgPd, ms.</param>
/// <param name="GeneralInterrogation">GI.</param>
/// <param name="PurgeBuffer">PurgeBuf (BRCB only).</param>
/// <param name="EntryId">EntryID (BRCB only).</param>
/// <param name="TimeOfEntry">TimeOfEntry (BRCB only).</param>
/// <param name="ReservationTime">ResvTms (BRCB, edition 2).</param>
/// <param name="Owner">Owner (edition 2), when present.</param>
public sealed record ReportControlBlockValues(
    ObjectReference Reference,
    bool Buffered,
    string ReportId,
    bool Enabled,
    bool? Reserved,
    string DataSet,
    uint ConfigurationRevision,
    ReportOptions Options,
    uint BufferTime,
    uint SequenceNumber,
    TriggerOptions Triggers,
    uint IntegrityPeriod,
    bool GeneralInterrogation,
    bool? PurgeBuffer,
    byte[]? EntryId,
    BinaryTime? TimeOfEntry,
    int? ReservationTime,
    byte[]? Owner);

/// <summary>
/// What to write to a report control block; null leaves an attribute as it is. One Write carries
/// them in the order Resv, ResvTms, RptID, DatSet, OptFlds, BufTm, TrgOps, IntgPd, PurgeBuf,
/// EntryID, RptEna, so that a block is configured before it is enabled (a server processes the
/// variables of a Write in order).
/// </summary>
public sealed record ReportControlBlockSettings
{
    /// <summary>Resv (URCB).</summary>
    public bool? Reserve { get; init; }

    /// <summary>ResvTms (BRCB), seconds.</summary>
    public int? ReservationTime { get; init; }

    /// <summary>RptID.</summary>
    public string? ReportId { get; init; }

    /// <summary>DatSet, either form.</summary>
    public string? DataSet { get; init; }

    /// <summary>OptFlds.</summary>
    public ReportOptions? Options { get; init; }

    /// <summary>BufTm, ms.</summary>
    public uint? BufferTime { get; init; }

    /// <summary>TrgOps.</summary>
    public TriggerOptions? Triggers { get; init; }

    /// <summary>IntgPd, ms.</summary>
    public uint? IntegrityPeriod { get; init; }

    /// <summary>PurgeBuf (BRCB).</summary>
    public bool? PurgeBuffer { get; init; }

    /// <summary>EntryID (BRCB): resume after this entry.</summary>
    public byte[]? EntryId { get; init; }

    /// <summary>RptEna.</summary>
    public bool? Enable { get; init; }
}
