using System.Globalization;
using Bridge.Adapters.Iec61850.Mms.Asn1;
using Bridge.Adapters.Iec61850.Mms.Data;
using Bridge.Adapters.Iec61850.Mms.Pdu;

namespace Bridge.Adapters.Iec61850.Client.Reporting;

/// <summary>
/// Reports as IEC 61850-8-1 §17.2.3.2 carries them in an InformationReport of the vmd-specific
/// variable list <c>RPT</c>, and report control blocks as read and written. Pure.
/// </summary>
/// <remarks>
/// <code>
/// InformationReport RPT, listOfAccessResult:
///   RptID           visible-string
///   OptFlds         bit-string(10)        which of the next are present:
///   SeqNum          unsigned              bit 1  sequence-number
///   TimeOfEntry     binary-time           bit 2  report-time-stamp
///   DatSet          visible-string        bit 4  data-set-name
///   BufOvfl         boolean               bit 6  buffer-overflow
///   EntryID         octet-string(8)       bit 7  entryID
///   ConfRev         unsigned              bit 8  conf-revision
///   SubSeqNum       unsigned              bit 9  segmentation
///   MoreSegmentsFollow boolean            bit 9  segmentation
///   Inclusion       bit-string(N)         one bit per data set member
///   data-reference  visible-string x K    bit 5  data-reference (K = members included)
///   value           Data x K
///   ReasonCode      bit-string x K        bit 3  reason-for-inclusion
/// </code>
/// </remarks>
public static class ReportCodec
{
    /// <summary>The vmd-specific name of the variable list reports are sent as.</summary>
    public const string ReportVariableListName = "RPT";

    private const int OptionBits = 10;
    private const int ReasonBits = 7;

    /// <summary>Whether <paramref name="report"/> is an IEC 61850 report (its variable list is <c>RPT</c>).</summary>
    public static bool IsReport(InformationReport report)
        => report?.Specification is NamedVariableList { ListName: { Scope: ObjectScope.VmdSpecific, ItemId: ReportVariableListName } };

    /// <summary>
    /// Decodes <paramref name="report"/>. <paramref name="directory"/> gives the members of a data
    /// set (by its MMS name or the report id) when the report carries no data references; members
    /// stay without reference when it returns null. False with the reason when the report does not
    /// have the structure of 8-1.
    /// </summary>
    public static bool TryDecode(InformationReport report, Func<string?, string, IReadOnlyList<ObjectReference>?>? directory, out Report? decoded, out string error)
    {
        ArgumentNullException.ThrowIfNull(report);
        decoded = null;
        error = string.Empty;
        var values = report.Results;
        var at = 0;
        try
        {
            var reportId = Take<MmsVisibleString>(values, ref at, "RptID").Value;
            var options = (ReportOptions)Take<MmsBitString>(values, ref at, "OptFlds").Value.ToFlags();
            uint? sequence = Has(options, ReportOptions.SequenceNumber) ? Unsigned(Take<MmsUnsigned>(values, ref at, "SeqNum")) : null;
            BinaryTime? time = Has(options, ReportOptions.ReportTimestamp) ? Take<MmsBinaryTime>(values, ref at, "TimeOfEntry").Value : null;
            var dataSet = Has(options, ReportOptions.DataSetName) ? Take<MmsVisibleString>(values, ref at, "DatSet").Value : null;
            bool? overflow = Has(options, ReportOptions.BufferOverflow) ? Take<MmsBoolean>(values, ref at, "BufOvfl").Value : null;
            var entryId = Has(options, ReportOptions.EntryId) ? Take<MmsOctetString>(values, ref at, "EntryID").Value : null;
            uint? confRev = Has(options, ReportOptions.ConfigurationRevision) ? Unsigned(Take<MmsUnsigned>(values, ref at, "ConfRev")) : null;
            uint? subSequence = null;
            bool? more = null;
            if (Has(options, ReportOptions.Segmentation))
            {
                subSequence = Unsigned(Take<MmsUnsigned>(values, ref at, "SubSeqNum"));
                more = Take<MmsBoolean>(values, ref at, "MoreSegmentsFollow").Value;
            }

            var inclusion = Take<MmsBitString>(values, ref at, "Inclusion").Value;
            var included = inclusion.SetBits().ToList();
            var expected = at + (included.Count * (1 + (Has(options, ReportOptions.DataReference) ? 1 : 0) + (Has(options, ReportOptions.ReasonForInclusion) ? 1 : 0)));
            if (values.Count != expected)
            {
                error = string.Create(CultureInfo.InvariantCulture, $"report {reportId}: {included.Count} members included, so {expected} values expected, but {values.Count} came");
                return false;
            }

            var references = new ObjectReference?[included.Count];
            if (Has(options, ReportOptions.DataReference))
            {
                for (var i = 0; i < included.Count; i++)
                {
                    var text = Take<MmsVisibleString>(values, ref at, "data-reference").Value;
                    references[i] = ObjectReference.ParseDataSet(text);
                }
            }
            else if (directory?.Invoke(dataSet, reportId) is { } members)
            {
                if (members.Count != inclusion.Length)
                {
                    error = string.Create(CultureInfo.InvariantCulture, $"report {reportId}: the inclusion bit string has {inclusion.Length} bits, the data set {members.Count} members");
                    return false;
                }

                for (var i = 0; i < included.Count; i++)
                {
                    references[i] = members[included[i]];
                }
            }

            var dataValues = new MmsValue[included.Count];
            for (var i = 0; i < included.Count; i++)
            {
                dataValues[i] = values[at].Value ?? throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"value of member {included[i]} is an access failure ({values[at].Error})"));
                at++;
            }

            var reasons = new ReasonForInclusion?[included.Count];
            if (Has(options, ReportOptions.ReasonForInclusion))
            {
                for (var i = 0; i < included.Count; i++)
                {
                    reasons[i] = (ReasonForInclusion)Take<MmsBitString>(values, ref at, "ReasonCode").Value.ToFlags();
                }
            }

            var entries = included.Select((member, i) => new ReportEntry(member, references[i], dataValues[i], reasons[i])).ToList();
            decoded = new Report(reportId, options, sequence, time, dataSet, overflow, entryId, confRev, subSequence, more, inclusion.Length, entries);
            return true;
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            error = e.Message;
            return false;
        }
    }

    /// <summary>The InformationReport that carries <paramref name="report"/> (what a server sends).</summary>
    public static InformationReport Encode(Report report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var o = report.Options;
        var values = new List<MmsValue>
        {
            new MmsVisibleString(report.ReportId),
            new MmsBitString(BitString.FromFlags((uint)o, OptionBits)),
        };
        if (Has(o, ReportOptions.SequenceNumber))
        {
            values.Add(new MmsUnsigned(report.SequenceNumber ?? 0));
        }

        if (Has(o, ReportOptions.ReportTimestamp))
        {
            values.Add(new MmsBinaryTime(report.TimeOfEntry ?? default));
        }

        if (Has(o, ReportOptions.DataSetName))
        {
            values.Add(new MmsVisibleString(report.DataSet ?? string.Empty));
        }

        if (Has(o, ReportOptions.BufferOverflow))
        {
            values.Add(new MmsBoolean(report.BufferOverflow ?? false));
        }

        if (Has(o, ReportOptions.EntryId))
        {
            values.Add(new MmsOctetString(report.EntryId ?? new byte[8]));
        }

        if (Has(o, ReportOptions.ConfigurationRevision))
        {
            values.Add(new MmsUnsigned(report.ConfigurationRevision ?? 0));
        }

        if (Has(o, ReportOptions.Segmentation))
        {
            values.Add(new MmsUnsigned(report.SubSequenceNumber ?? 0));
            values.Add(new MmsBoolean(report.MoreSegmentsFollow ?? false));
        }

        values.Add(new MmsBitString(BitString.FromBits(report.DataSetSize, report.Entries.Select(e => e.MemberIndex))));
        if (Has(o, ReportOptions.DataReference))
        {
            values.AddRange(report.Entries.Select(e => (MmsValue)new MmsVisibleString(
                (e.Reference ?? throw new ArgumentException("data-reference needs every entry's reference", nameof(report))).ToMmsName().ToString())));
        }

        values.AddRange(report.Entries.Select(e => e.Value));
        if (Has(o, ReportOptions.ReasonForInclusion))
        {
            // Six bits unless application-trigger (bit 6) is set: what IEC 61850 servers send.
            values.AddRange(report.Entries.Select(e =>
            {
                var reason = e.Reason ?? ReasonForInclusion.None;
                return (MmsValue)new MmsBitString(BitString.FromFlags((uint)reason, (reason & ReasonForInclusion.ApplicationTrigger) != 0 ? ReasonBits : ReasonBits - 1));
            }));
        }

        return new InformationReport(new NamedVariableList(ObjectName.Vmd(ReportVariableListName)), values.Select(AccessResult.Success).ToList());
    }

    /// <summary>Decodes a report control block read whole (its attributes by position, in the order of 8-1).</summary>
    public static bool TryDecodeControlBlock(ObjectReference reference, MmsValue value, out ReportControlBlockValues? block, out string error)
    {
        ArgumentNullException.ThrowIfNull(reference);
        block = null;
        error = string.Empty;
        var buffered = reference.Fc == Client.FunctionalConstraint.BR;
        if (value is not MmsStructure { Members: var m })
        {
            error = $"{reference}: a report control block is a structure, got {MmsValueConvert.Describe(value)}";
            return false;
        }

        var values = m.Select(AccessResult.Success).ToList();
        var at = 0;
        try
        {
            var reportId = Take<MmsVisibleString>(values, ref at, "RptID").Value;
            var enabled = Take<MmsBoolean>(values, ref at, "RptEna").Value;
            bool? reserved = buffered ? null : Take<MmsBoolean>(values, ref at, "Resv").Value;
            var dataSet = Take<MmsVisibleString>(values, ref at, "DatSet").Value;
            var confRev = Unsigned(Take<MmsUnsigned>(values, ref at, "ConfRev"));
            var options = (ReportOptions)Take<MmsBitString>(values, ref at, "OptFlds").Value.ToFlags();
            var bufferTime = Unsigned(Take<MmsUnsigned>(values, ref at, "BufTm"));
            var sequence = Unsigned(Take<MmsUnsigned>(values, ref at, "SqNum"));
            var triggers = (TriggerOptions)Take<MmsBitString>(values, ref at, "TrgOps").Value.ToFlags();
            var integrity = Unsigned(Take<MmsUnsigned>(values, ref at, "IntgPd"));
            var gi = Take<MmsBoolean>(values, ref at, "GI").Value;
            bool? purge = null;
            byte[]? entryId = null;
            BinaryTime? timeOfEntry = null;
            int? reservation = null;
            if (buffered)
            {
                purge = Take<MmsBoolean>(values, ref at, "PurgeBuf").Value;
                entryId = Take<MmsOctetString>(values, ref at, "EntryID").Value;
                timeOfEntry = Take<MmsBinaryTime>(values, ref at, "TimeOfEntry").Value;
                if (at < values.Count && values[at].Value is MmsInteger resvTms)
                {
                    reservation = (int)resvTms.Value;
                    at++;
                }
            }

            byte[]? owner = at < values.Count && values[at].Value is MmsOctetString o ? o.Value : null;
            block = new ReportControlBlockValues(reference, buffered, reportId, enabled, reserved, dataSet, confRev, options, bufferTime, sequence, triggers, integrity, gi, purge, entryId, timeOfEntry, reservation, owner);
            return true;
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            error = $"{reference}: {e.Message}";
            return false;
        }
    }

    /// <summary>The attribute names and values a Write of <paramref name="settings"/> carries, in the order it writes them.</summary>
    public static IReadOnlyList<(string Attribute, MmsValue Value)> SettingsToWrite(ReportControlBlockSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var writes = new List<(string, MmsValue)>();
        if (settings.Reserve is { } resv)
        {
            writes.Add(("Resv", new MmsBoolean(resv)));
        }

        if (settings.ReservationTime is { } resvTms)
        {
            writes.Add(("ResvTms", new MmsInteger(resvTms)));
        }

        if (settings.ReportId is { } rptId)
        {
            writes.Add(("RptID", new MmsVisibleString(rptId)));
        }

        if (settings.DataSet is { } dataSet)
        {
            writes.Add(("DatSet", new MmsVisibleString(dataSet.Contains('$', StringComparison.Ordinal) ? dataSet : ObjectReference.Parse(dataSet).ToMmsName().ToString())));
        }

        if (settings.Options is { } options)
        {
            writes.Add(("OptFlds", new MmsBitString(BitString.FromFlags((uint)options, OptionBits))));
        }

        if (settings.BufferTime is { } bufTm)
        {
            writes.Add(("BufTm", new MmsUnsigned(bufTm)));
        }

        if (settings.Triggers is { } triggers)
        {
            writes.Add(("TrgOps", new MmsBitString(BitString.FromFlags((uint)triggers, 6))));
        }

        if (settings.IntegrityPeriod is { } intgPd)
        {
            writes.Add(("IntgPd", new MmsUnsigned(intgPd)));
        }

        if (settings.PurgeBuffer is { } purge)
        {
            writes.Add(("PurgeBuf", new MmsBoolean(purge)));
        }

        if (settings.EntryId is { } entryId)
        {
            writes.Add(("EntryID", new MmsOctetString(entryId)));
        }

        if (settings.Enable is { } enable)
        {
            writes.Add(("RptEna", new MmsBoolean(enable)));
        }

        return writes;
    }

    private static bool Has(ReportOptions options, ReportOptions flag) => (options & flag) != 0;

    private static uint Unsigned(MmsUnsigned value)
        => value.Value <= uint.MaxValue ? (uint)value.Value : throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"{value.Value} does not fit 32 bits"));

    private static T Take<T>(IReadOnlyList<AccessResult> values, ref int at, string field)
        where T : MmsValue
    {
        if (at >= values.Count)
        {
            throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"{field} (value {at + 1}) is missing"));
        }

        var value = values[at].Value;
        if (value is not T typed)
        {
            throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"{field} (value {at + 1}) has the wrong type: {(value is null ? "access failure " + values[at].Error : MmsValueConvert.Describe(value))}"));
        }

        at++;
        return typed;
    }
}
