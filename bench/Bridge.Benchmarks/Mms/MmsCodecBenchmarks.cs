using System.Formats.Asn1;
using BenchmarkDotNet.Attributes;
using Bridge.Adapters.Iec61850.Client;
using Bridge.Adapters.Iec61850.Client.Reporting;
using Bridge.Adapters.Iec61850.Mms.Asn1;
using Bridge.Adapters.Iec61850.Mms.Data;
using Bridge.Adapters.Iec61850.Mms.Pdu;
using Bridge.Adapters.Iec61850.Mms.Stack;
using Bridge.Adapters.Iec61850.Mms.Transport;

namespace Bridge.Benchmarks.Mms;

/// <summary>
/// The MMS stack's codec per PDU, with allocations: a read request encoded as the client sends
/// it (TSDU from session to MMS, TPKT and COTP headers), a read response and an IEC 61850 report
/// decoded through every layer, the report decoded against its data set, and a GetNameList
/// response of 304 names (the size of the reference capture's). <c>AsnReaderWalk</c> reads the
/// report's TSDU element by element with System.Formats.Asn1's AsnReader, for comparison with
/// the span-based reader the stack uses; <c>BerReaderWalk</c> does the same walk with that reader.
/// </summary>
[MemoryDiagnoser]
public class MmsCodecBenchmarks
{
    private static readonly IReadOnlyList<ObjectReference> Members =
    [
        ObjectReference.Parse("LD1/GGIO1.SPCSO1.stVal[ST]"),
        ObjectReference.Parse("LD1/GGIO1.SPCSO2.stVal[ST]"),
        ObjectReference.Parse("LD1/GGIO1.SPCSO3.stVal[ST]"),
        ObjectReference.Parse("LD1/GGIO1.SPCSO4.stVal[ST]"),
    ];

    private readonly ConfirmedRequestPdu _readRequest = new(7, new ReadRequest(VariableList.Of(ObjectName.Domain("simpleIOGenericIO", "GGIO1$MX$AnIn1$mag$f"))));
    private byte[] _readResponse = [];
    private byte[] _report = [];
    private byte[] _names = [];
    private InformationReport _decodedReport = null!;

    [GlobalSetup]
    public void Setup()
    {
        _readResponse = Tsdu(new ConfirmedResponsePdu(7, new ReadResponse(null, [AccessResult.Success(new MmsFloat32(0.42738f))])));
        _decodedReport = ReportCodec.Encode(new Report(
            "Events1",
            ReportOptions.SequenceNumber | ReportOptions.ReportTimestamp | ReportOptions.ReasonForInclusion | ReportOptions.DataSetName | ReportOptions.ConfigurationRevision,
            12,
            new BinaryTime(50155118, 15678),
            "LD1/LLN0$Events",
            null,
            null,
            1,
            null,
            null,
            4,
            Members.Select((m, i) => new ReportEntry(i, m, MmsBoolean.False, ReasonForInclusion.Integrity)).ToList()));
        _report = Tsdu(new UnconfirmedPdu(_decodedReport));
        _names = Tsdu(new ConfirmedResponsePdu(2, new GetNameListResponse(Enumerable.Range(0, 304).Select(i => $"GGIO1$ST$Ind{i}$stVal").ToList(), false)));
    }

    [Benchmark]
    public int EncodeReadRequest()
    {
        using var tsdu = new BerWriter();
        TransportWriter.BeginTsdu(tsdu);
        StackCodec.EncodeData(_readRequest, tsdu);
        CotpCodec.WriteDataHeader(tsdu.WrittenMutable, tsdu.Length, endOfTsdu: true);
        return tsdu.Length;
    }

    [Benchmark]
    public object? DecodeReadResponse() => StackCodec.TryDecode(_readResponse, out var message, out _) ? message : null;

    [Benchmark]
    public object? DecodeReport() => StackCodec.TryDecode(_report, out var message, out _) ? message : null;

    [Benchmark]
    public object? DecodeReportAgainstDataSet() => ReportCodec.TryDecode(_decodedReport, (_, _) => Members, out var report, out _) ? report : null;

    [Benchmark]
    public object? DecodeNameList304() => StackCodec.TryDecode(_names, out var message, out _) ? message : null;

    [Benchmark]
    public int AsnReaderWalk() => Walk(new AsnReader(_report.AsMemory(4), AsnEncodingRules.BER));

    [Benchmark]
    public int BerReaderWalk() => Walk(new BerReader(_report.AsSpan(4), Bridge.Adapters.Iec61850.Mms.StackLayer.Presentation));

    private static int Walk(AsnReader reader)
    {
        var count = 0;
        while (reader.HasData)
        {
            var tag = reader.PeekTag();
            count++;
            if (tag.IsConstructed)
            {
                count += Walk(reader.ReadSequence(tag));
            }
            else
            {
                count += reader.ReadEncodedValue().Length;
            }
        }

        return count;
    }

    private static int Walk(BerReader reader)
    {
        var count = 0;
        while (reader.HasData)
        {
            var content = reader.ReadElement(out var tag, out var offset, "element");
            count++;
            count += tag.Constructed ? Walk(reader.Nested(content, offset, "element")) : content.Length;
        }

        return count;
    }

    private static byte[] Tsdu(MmsPdu pdu)
    {
        using var writer = new BerWriter();
        StackCodec.EncodeData(pdu, writer);
        return writer.ToArray();
    }
}
