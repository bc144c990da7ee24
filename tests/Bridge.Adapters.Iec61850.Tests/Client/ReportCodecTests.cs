using Bridge.Adapters.Iec61850.Client;
using Bridge.Adapters.Iec61850.Client.Reporting;
using Bridge.Adapters.Iec61850.Mms.Data;
using Bridge.Adapters.Iec61850.Mms.Pdu;
using Bridge.Adapters.Iec61850.Mms.Stack;
using Bridge.Adapters.Iec61850.Tests.Mms.Capture;

namespace Bridge.Adapters.Iec61850.Tests.Client;

/// <summary>Reports and report control blocks as IEC 61850-8-1 lays them out in MMS.</summary>
public sealed class ReportCodecTests
{
    private static readonly IReadOnlyList<ObjectReference> Events =
    [
        ObjectReference.Parse("simpleIOGenericIO/GGIO1.SPCSO1.stVal[ST]"),
        ObjectReference.Parse("simpleIOGenericIO/GGIO1.SPCSO2.stVal[ST]"),
        ObjectReference.Parse("simpleIOGenericIO/GGIO1.SPCSO3.stVal[ST]"),
        ObjectReference.Parse("simpleIOGenericIO/GGIO1.SPCSO4.stVal[ST]"),
    ];

    [Fact]
    public void TryDecode_CapturedGiReport_GivesEveryFieldAgainstTheDataSet()
    {
        var report = CapturedReport(60);

        Assert.True(ReportCodec.TryDecode(report, (dataSet, _) => dataSet == "simpleIOGenericIO/LLN0$Events" ? Events : null, out var decoded, out var error), error);

        Assert.Equal("Events1", decoded!.ReportId);
        Assert.Equal(ReportOptions.SequenceNumber | ReportOptions.ReportTimestamp | ReportOptions.ReasonForInclusion | ReportOptions.DataSetName | ReportOptions.ConfigurationRevision, decoded.Options);
        Assert.Equal(0u, decoded.SequenceNumber);
        Assert.Equal(new DateTimeOffset(2026, 12, 4, 0, 0, 0, TimeSpan.Zero), decoded.TimeOfEntry!.Value.ToDateTimeOffset().Date);
        Assert.Equal("simpleIOGenericIO/LLN0$Events", decoded.DataSet);
        Assert.Equal(1u, decoded.ConfigurationRevision);
        Assert.Equal(4, decoded.DataSetSize);
        Assert.Equal(Events, decoded.Entries.Select(e => e.Reference));
        Assert.All(decoded.Entries, e => Assert.Equal(ReasonForInclusion.GeneralInterrogation, e.Reason));
        Assert.All(decoded.Entries, e => Assert.IsType<MmsBoolean>(e.Value));
    }

    [Fact]
    public void TryDecode_CapturedIntegrityReport_HasSequenceOneAndReasonIntegrity()
    {
        Assert.True(ReportCodec.TryDecode(CapturedReport(62), null, out var decoded, out _));

        Assert.Equal(1u, decoded!.SequenceNumber);
        Assert.All(decoded.Entries, e => Assert.Equal(ReasonForInclusion.Integrity, e.Reason));
        Assert.All(decoded.Entries, e => Assert.Null(e.Reference));
    }

    [Fact]
    public void Encode_CapturedReport_GivesTheCapturedAccessResults()
    {
        var captured = CapturedReport(64);
        Assert.True(ReportCodec.TryDecode(captured, (_, _) => Events, out var decoded, out _));

        var encoded = ReportCodec.Encode(decoded!);

        Assert.Equal(captured.Results, encoded.Results);
        Assert.Equal(captured.Specification, encoded.Specification);
    }

    [Fact]
    public void Encode_EveryOptionalField_DecodesToTheSameReport()
    {
        var report = new Report(
            "Events2",
            ReportOptions.SequenceNumber | ReportOptions.ReportTimestamp | ReportOptions.ReasonForInclusion | ReportOptions.DataSetName | ReportOptions.DataReference | ReportOptions.BufferOverflow | ReportOptions.EntryId | ReportOptions.ConfigurationRevision | ReportOptions.Segmentation,
            7,
            new BinaryTime(1000, 15678),
            "LD1/LLN0$Events",
            true,
            [0, 0, 0, 0, 0, 0, 0, 9],
            3,
            2,
            false,
            5,
            [
                new ReportEntry(1, ObjectReference.Parse("LD1/GGIO1.Ind2.stVal[ST]"), MmsBoolean.True, ReasonForInclusion.DataChange),
                new ReportEntry(4, ObjectReference.Parse("LD1/GGIO1.AnIn1.mag.f[MX]"), new MmsFloat32(1.5f), ReasonForInclusion.ApplicationTrigger | ReasonForInclusion.DataUpdate),
            ]);

        Assert.True(ReportCodec.TryDecode(ReportCodec.Encode(report), null, out var decoded, out var error), error);

        Assert.Equal(
            (report.ReportId, report.Options, report.SequenceNumber, report.TimeOfEntry, report.DataSet, report.BufferOverflow, report.ConfigurationRevision, report.SubSequenceNumber, report.MoreSegmentsFollow, report.DataSetSize),
            (decoded!.ReportId, decoded.Options, decoded.SequenceNumber, decoded.TimeOfEntry, decoded.DataSet, decoded.BufferOverflow, decoded.ConfigurationRevision, decoded.SubSequenceNumber, decoded.MoreSegmentsFollow, decoded.DataSetSize));
        Assert.Equal(report.EntryId, decoded.EntryId);
        Assert.Equal(report.Entries, decoded.Entries);
    }

    [Fact]
    public void TryDecode_FewerValuesThanIncluded_SaysHowManyWereExpected()
    {
        var captured = CapturedReport(60);
        var truncated = captured with { Results = captured.Results.Take(14).ToList() };

        Assert.False(ReportCodec.TryDecode(truncated, null, out _, out var error));
        Assert.Contains("15 values expected", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryDecode_DataReferenceThatIsNoReference_IsRefusedNotThrown()
    {
        var report = ReportCodec.Encode(new Report("R", ReportOptions.DataReference, null, null, null, null, null, null, null, null, 1, [new ReportEntry(0, ObjectReference.Parse("LD1/GGIO1.Ind1.stVal[ST]"), MmsBoolean.True, null)]));
        var results = report.Results.ToList();
        results[3] = AccessResult.Success(new MmsVisibleString("LD1/GG IO1$ST$Ind1"));

        Assert.False(ReportCodec.TryDecode(report with { Results = results }, null, out _, out var error));
        Assert.Contains("GG IO1", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryDecode_DirectoryOfAnotherSize_IsRefused()
    {
        Assert.False(ReportCodec.TryDecode(CapturedReport(60), (_, _) => Events.Take(3).ToList(), out _, out var error));
        Assert.Contains("4 bits", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryDecodeControlBlock_CapturedUrcb_HasTheReadmesValues()
    {
        var read = (ReadResponse)((ConfirmedResponsePdu)Data(53)).Service;
        var reference = ObjectReference.Parse("simpleIOGenericIO/LLN0.EventsRCB01[RP]");

        Assert.True(ReportCodec.TryDecodeControlBlock(reference, read.Results[0].Value!, out var block, out var error), error);

        Assert.Equal("Events1", block!.ReportId);
        Assert.False(block.Enabled);
        Assert.False(block.Reserved);
        Assert.Equal("simpleIOGenericIO/LLN0$Events", block.DataSet);
        Assert.Equal(1u, block.ConfigurationRevision);
        Assert.Equal(1000u, block.IntegrityPeriod);
        Assert.Equal(50u, block.BufferTime);
        Assert.Equal(TriggerOptions.Integrity | TriggerOptions.GeneralInterrogation, block.Triggers);
    }

    [Fact]
    public void SettingsToWrite_TriggersPeriodAndEnable_AreTheCapturedWrite()
    {
        var write = (WriteRequest)((ConfirmedRequestPdu)Data(54)).Service;

        var writes = ReportCodec.SettingsToWrite(new ReportControlBlockSettings
        {
            Triggers = TriggerOptions.DataUpdate | TriggerOptions.Integrity | TriggerOptions.GeneralInterrogation,
            IntegrityPeriod = 5000,
            Enable = true,
        });

        Assert.Equal(["TrgOps", "IntgPd", "RptEna"], writes.Select(w => w.Attribute));
        Assert.Equal(write.Data, writes.Select(w => w.Value));
        Assert.Equal(
            ((VariableList)write.Specification).Variables.Select(v => v.Name.ItemId),
            writes.Select(w => "LLN0$RP$EventsRCB01$" + w.Attribute));
    }

    private static InformationReport CapturedReport(int frame)
        => (InformationReport)((UnconfirmedPdu)Data(frame)).Service;

    private static MmsPdu Data(int frame)
    {
        Assert.True(StackCodec.TryDecode(MmsCapture.Tsdu(frame).Bytes, out var message, out _));
        return ((MmsDataMessage)message!).Pdu;
    }
}
