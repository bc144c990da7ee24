using System.Buffers;
using Bridge.Adapters.Iec61850.Mms;
using Bridge.Adapters.Iec61850.Mms.Transport;

namespace Bridge.Adapters.Iec61850.Tests.Mms.Codecs;

/// <summary>TPKT and COTP class 0: round trips, segmentation and reassembly, and the malformed inputs each rejects by name.</summary>
public sealed class TransportCodecTests
{
    public static TheoryData<CotpTpdu> Tpdus() => new()
    {
        new CotpConnectionRequest(7, 0, new CotpConnectParameters(1024, [0x00, 0x01], [0x00, 0x02])),
        new CotpConnectionConfirm(7, 9, 0, new CotpConnectParameters(null, null, null, 2048)),
        new CotpDisconnectRequest(7, 9, 0x80),
        new CotpErrorTpdu(7, 2, [0xE0, 0x00]),
        new CotpErrorTpdu(7, 0, null),
    };

    [Theory]
    [MemberData(nameof(Tpdus))]
    public void WriteFrame_ControlTpdu_DecodesToTheSameFields(CotpTpdu tpdu)
    {
        var output = new ArrayBufferWriter<byte>();
        CotpCodec.WriteFrame(tpdu, output);

        Assert.True(Tpkt.TryReadHeader(output.WrittenSpan, out var length, out _));
        Assert.Equal(output.WrittenCount, length);
        Assert.True(CotpCodec.TryDecode(output.WrittenMemory[4..], out var decoded, out var failure), failure.ToString());
        Assert.Equal(Describe(tpdu), Describe(decoded!));
    }

    [Fact]
    public void WriteTsdu_LargerThanOneTpdu_IsCutIntoDtsThatReassemble()
    {
        var tsdu = Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray();
        var output = new ArrayBufferWriter<byte>();

        CotpCodec.WriteTsdu(tsdu, 128, output);

        var reassembly = new TsduReassembly(4096);
        var frames = 0;
        var bytes = output.WrittenMemory;
        ReadOnlyMemory<byte> result = default;
        while (!bytes.IsEmpty)
        {
            Assert.True(Tpkt.TryReadHeader(bytes.Span, out var length, out _));
            Assert.True(length - 4 <= 128);
            Assert.True(CotpCodec.TryDecode(bytes[4..length], out var tpdu, out _));
            var complete = reassembly.TryAdd((CotpData)tpdu!, out result, out var failure);
            Assert.Equal(DecodeError.None, failure.Error);
            Assert.Equal(length == bytes.Length, complete);
            bytes = bytes[length..];
            frames++;
        }

        Assert.Equal(8, frames); // 1000 octets in DTs of 125
        Assert.Equal(tsdu, result.ToArray());
    }

    [Fact]
    public void Reassembly_GrowingPastTheLimit_FailsWithTsduTooLarge()
    {
        var reassembly = new TsduReassembly(100);
        Assert.False(reassembly.TryAdd(new CotpData(false, new byte[60]), out _, out var first));
        Assert.Equal(DecodeError.None, first.Error);

        Assert.False(reassembly.TryAdd(new CotpData(false, new byte[60]), out _, out var failure));

        Assert.Equal(DecodeError.TsduTooLarge, failure.Error);
        Assert.Equal(StackLayer.Cotp, failure.Layer);
    }

    [Theory]
    [InlineData("02000010", DecodeError.BadTpktHeader, 0)]
    [InlineData("03000006", DecodeError.BadTpktHeader, 2)]
    public void TpktHeader_Malformed_IsRejectedByName(string hex, DecodeError error, int offset)
    {
        Assert.False(Tpkt.TryReadHeader(Convert.FromHexString(hex), out _, out var failure));
        Assert.Equal(new DecodeFailure(StackLayer.Tpkt, error, offset, failure.Detail), failure);
    }

    [Fact]
    public void TryReadFrame_HeaderThenPartialBody_WaitsThenTakesTheFrame()
    {
        var frame = Convert.FromHexString("0300000902F0800102");
        var partial = new ReadOnlySequence<byte>(frame[..6]);
        Assert.Equal(FrameStatus.NeedMoreData, Tpkt.TryReadFrame(ref partial, out _, out _));

        var whole = new ReadOnlySequence<byte>(frame);
        Assert.Equal(FrameStatus.Frame, Tpkt.TryReadFrame(ref whole, out var tpdu, out _));
        Assert.Equal("02F0800102", Convert.ToHexString(tpdu.ToArray()));
        Assert.True(whole.IsEmpty);
    }

    [Theory]
    [InlineData("02", DecodeError.Truncated)]
    [InlineData("09F080", DecodeError.BadLengthIndicator)]
    [InlineData("03F08000", DecodeError.BadLengthIndicator)]
    [InlineData("0250FF", DecodeError.UnsupportedTpdu)]
    [InlineData("03E00000", DecodeError.BadLengthIndicator)]
    [InlineData("06E00000000100", DecodeError.None)]
    [InlineData("06E0000000010000", DecodeError.TrailingBytes)]
    [InlineData("08E00000000100C001", DecodeError.BadParameter)]
    [InlineData("09E00000000100C0010E", DecodeError.BadParameter)]
    [InlineData("0AE00000000100C0010D", DecodeError.BadLengthIndicator)]
    [InlineData("FFE00000000100", DecodeError.BadLengthIndicator)]
    public void Decode_MalformedTpdu_IsRejectedByName(string hex, DecodeError error)
    {
        var ok = CotpCodec.TryDecode(Convert.FromHexString(hex), out _, out var failure);

        Assert.Equal(error == DecodeError.None, ok);
        Assert.Equal(error, failure.Error);
    }

    private static string Describe(CotpTpdu tpdu) => tpdu switch
    {
        CotpConnectionRequest cr => $"CR {cr.SourceReference} {cr.ClassOption} {Describe(cr.Parameters)}",
        CotpConnectionConfirm cc => $"CC {cc.DestinationReference} {cc.SourceReference} {cc.ClassOption} {Describe(cc.Parameters)}",
        CotpErrorTpdu er => $"ER {er.DestinationReference} {er.RejectCause} {Convert.ToHexString(er.InvalidTpdu ?? [])}",
        _ => tpdu.ToString(),
    };

    private static string Describe(CotpConnectParameters p)
        => $"{p.TpduSize} {Convert.ToHexString(p.CallingTsap ?? [])} {Convert.ToHexString(p.CalledTsap ?? [])} {p.PreferredMaxTpduSize}";
}
