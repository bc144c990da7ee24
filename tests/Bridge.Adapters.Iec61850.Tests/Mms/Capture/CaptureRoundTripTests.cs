using System.Buffers;
using Bridge.Adapters.Iec61850.Mms.Asn1;
using Bridge.Adapters.Iec61850.Mms.Stack;
using Bridge.Adapters.Iec61850.Mms.Transport;

namespace Bridge.Adapters.Iec61850.Tests.Mms.Capture;

/// <summary>
/// Every PDU of mms-client-server.pcapng, both directions, decodes through every layer and
/// encodes back to the very bytes a third-party stack sent: TPKT frames with their COTP TPDUs,
/// and TSDUs through session, presentation, ACSE and MMS.
/// </summary>
public sealed class CaptureRoundTripTests
{
    [Fact]
    public void Reassemble_Capture_HasFourConversationsWithTheReadmesTsduCounts()
    {
        Assert.Equal(4, MmsCapture.Conversations.Count);
        Assert.All(MmsCapture.Conversations, c => Assert.Equal(102, c.Server.Port));
        // As tshark lists them: the PDUs above COTP of each stream (CR and CC are not TSDUs).
        Assert.Equal([18, 29, 12, 43], Enumerable.Range(0, 4).Select(s => MmsCapture.TsdusOf(s).Count));
        Assert.Equal(169, MmsCapture.Tpkts.Max(t => t.Frame) + 4);
    }

    [Fact]
    public void Tpkt_EveryFrame_DecodesAndEncodesToTheSameBytes()
    {
        Assert.NotEmpty(MmsCapture.Tpkts);
        foreach (var frame in MmsCapture.Tpkts)
        {
            Assert.True(CotpCodec.TryDecode(frame.Bytes.AsMemory(Tpkt.HeaderSize), out var tpdu, out var failure), $"frame {frame.Frame}: {failure}");
            var output = new ArrayBufferWriter<byte>();
            CotpCodec.WriteFrame(tpdu!, output);
            Assert.True(frame.Bytes.AsSpan().SequenceEqual(output.WrittenSpan), $"frame {frame.Frame}: {Convert.ToHexString(frame.Bytes)} became {Convert.ToHexString(output.WrittenSpan)}");
        }
    }

    [Fact]
    public void Tsdu_EveryPdu_DecodesThroughEveryLayerAndEncodesToTheSameBytes()
    {
        Assert.Equal(102, MmsCapture.Tsdus.Count);
        foreach (var tsdu in MmsCapture.Tsdus)
        {
            Assert.True(StackCodec.TryDecode(tsdu.Bytes, out var message, out var failure), $"frame {tsdu.Frame}: {failure}");
            using var writer = new BerWriter();
            StackCodec.Encode(message!, writer);
            Assert.True(tsdu.Bytes.AsSpan().SequenceEqual(writer.WrittenSpan), $"frame {tsdu.Frame} ({message!.GetType().Name}): {Convert.ToHexString(tsdu.Bytes)} became {Convert.ToHexString(writer.WrittenSpan)}");
        }
    }
}
