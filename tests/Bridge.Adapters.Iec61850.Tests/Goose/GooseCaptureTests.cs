using System.Buffers;
using Bridge.Adapters.Iec61850.Goose;
using Bridge.Adapters.Iec61850.Tests.Captures;

namespace Bridge.Adapters.Iec61850.Tests.Goose;

/// <summary>
/// The Layer-2 GOOSE capture of a third-party publisher (libiec61850's goose_publisher_example)
/// decodes to the values its README documents, and re-encodes to the same bytes.
/// </summary>
public sealed class GooseCaptureTests
{
    private const string GocbRef = "simpleIOGenericIO/LLN0$GO$gcbAnalogValues";
    private const string DatSet = "simpleIOGenericIO/LLN0$AnalogValues";

    private static readonly IReadOnlyList<ReadOnlyMemory<byte>> Frames = [.. CaptureFiles.Read(CaptureFiles.Goose).Select(p => p.Data)];

    [Fact]
    public void TryDecode_CapturedFrames_HaveTheDocumentedEthernetAndGooseHeaders()
    {
        foreach (var (bytes, index) in Frames.Select((f, i) => (f, i)))
        {
            Assert.True(GooseFrameCodec.TryDecode(bytes, out var frame, out var rejection), $"frame {index + 1}: {rejection}");

            Assert.Equal(MacAddress.Parse("01-0C-CD-01-00-01"), frame.Header.Destination);
            Assert.True(frame.Header.Destination.IsGooseMulticast);
            Assert.Equal(MacAddress.Parse("02:00:61:85:00:01"), frame.Header.Source);
            Assert.Equal(new VlanTag(4, false, 0), frame.Header.Vlan);
            Assert.Equal(1000, frame.Header.AppId);
            Assert.Equal(0, frame.Header.Reserved1);
            Assert.False(frame.Header.Simulated);
            Assert.Equal(0, frame.Header.Reserved2);
            Assert.Equal(index < 3 ? 184 - 8 : 187 - 8, frame.Apdu.Length);
        }
    }

    [Fact]
    public void TryDecode_CapturedApdus_HaveTheDocumentedFieldsAndValues()
    {
        var apdus = Frames.Select(Apdu).ToList();

        Assert.Equal([0u, 1u, 2u, 3u], apdus.Select(a => a.SqNum));
        Assert.All(apdus, apdu =>
        {
            Assert.Equal(GocbRef, apdu.GocbRef);
            Assert.Equal(500u, apdu.TimeAllowedToLive);
            Assert.Equal(DatSet, apdu.DatSet);
            Assert.Equal(GocbRef, apdu.GoId);
            Assert.Equal(new UtcTime(0x6b12c537, 0x4353f7, 0x0a), apdu.T);
            Assert.Equal(new DateTimeOffset(2026, 12, 4, 13, 50, 47, 263, TimeSpan.Zero), Truncate(apdu.T.ToDateTimeOffset()));
            Assert.Equal(1u, apdu.StNum);
            Assert.False(apdu.Simulation);
            Assert.Equal(1u, apdu.ConfRev);
            Assert.False(apdu.NdsCom);
            Assert.Null(apdu.Security);
        });

        GooseData[] common = [new GooseInteger(1234), new GooseBinaryTime(new BinaryTime(0, 0)), new GooseInteger(5678)];
        Assert.All(apdus.Take(3), apdu => Assert.Equal(common, apdu.AllData));
        Assert.Equal([.. common, new GooseBoolean(true)], apdus[3].AllData);
        Assert.Equal(new DateTimeOffset(1984, 1, 1, 0, 0, 0, TimeSpan.Zero), ((GooseBinaryTime)apdus[0].AllData[1]).Value.ToDateTimeOffset());
    }

    [Fact]
    public void TryDecodeView_CapturedApdu_SlicesTheReferencesAndCountsTheEntries()
    {
        Assert.True(GooseFrameCodec.TryDecode(Frames[3], out var frame, out _));

        Assert.True(GooseCodec.TryDecodeView(frame.Apdu, out var view, out var rejection), rejection.ToString());

        Assert.True(view.GocbRefEquals("simpleIOGenericIO/LLN0$GO$gcbAnalogValues"u8));
        Assert.Equal(DatSet, view.GetDatSet());
        Assert.Equal(4u, view.NumDatSetEntries);
        Assert.Equal(3u, view.SqNum);
        // allData is the content of "ab 13": the four Data elements, ending with the boolean.
        Assert.Equal(Convert.FromHexString("850204d28c060000000000008502162e830101"), view.AllData.ToArray());
    }

    [Fact]
    public void Encode_DecodedCapturedApdus_GiveTheSameBytes()
    {
        foreach (var bytes in Frames)
        {
            Assert.True(GooseFrameCodec.TryDecode(bytes, out var frame, out _));
            Assert.True(GooseCodec.TryDecode(frame.Apdu, out var apdu, out _));
            Assert.True(GooseCodec.TryDecodeView(frame.Apdu, out var view, out _));

            var fromValues = new ArrayBufferWriter<byte>();
            GooseCodec.Encode(apdu, fromValues);
            var fromView = new ArrayBufferWriter<byte>();
            GooseCodec.Encode(view, fromView);
            var wholeFrame = new ArrayBufferWriter<byte>();
            GooseFrameCodec.Encode(frame.Header, fromValues.WrittenSpan, wholeFrame);

            Assert.Equal(frame.Apdu.ToArray(), fromValues.WrittenSpan.ToArray());
            Assert.Equal(frame.Apdu.ToArray(), fromView.WrittenSpan.ToArray());
            Assert.Equal(bytes.ToArray(), wholeFrame.WrittenSpan.ToArray());
        }
    }

    private static GooseApdu Apdu(ReadOnlyMemory<byte> bytes)
    {
        Assert.True(GooseFrameCodec.TryDecode(bytes, out var frame, out var frameRejection), frameRejection.ToString());
        Assert.True(GooseCodec.TryDecode(frame.Apdu, out var apdu, out var rejection), rejection.ToString());
        return apdu;
    }

    private static DateTimeOffset Truncate(DateTimeOffset time) => new(time.Ticks - (time.Ticks % TimeSpan.TicksPerMillisecond), time.Offset);
}
