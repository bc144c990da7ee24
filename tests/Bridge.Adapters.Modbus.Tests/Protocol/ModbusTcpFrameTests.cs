using System.Buffers;
using Bridge.Adapters.Modbus.Protocol;
using FsCheck.Xunit;

namespace Bridge.Adapters.Modbus.Tests.Protocol;

public class ModbusTcpFrameTests
{
    [Fact]
    public void TryRead_WholeFrame_ReadsTheMbapHeader()
    {
        var frame = Hex.Bytes("12 34 00 00 00 06 11 03 00 6B 00 03");

        Assert.True(ModbusTcpFrame.TryRead(frame, out var header, out var error), error.ToString());

        Assert.Equal(new MbapHeader(0x1234, 0, 6, 0x11), header);
        Assert.Equal(12, header.FrameLength);
        Assert.Equal(5, header.PduLength);
    }

    [Fact]
    public void TryRead_EveryProperPrefix_IsIncomplete()
    {
        var frame = Hex.Bytes("12 34 00 00 00 06 11 03 00 6B 00 03");

        for (var length = 0; length < frame.Length; length++)
        {
            Assert.False(ModbusTcpFrame.TryRead(frame.AsSpan(0, length), out _, out var error), $"{length} bytes read as a frame");
            Assert.Equal(ModbusFrameError.Incomplete, error);
        }
    }

    [Fact]
    public void TryRead_FrameFollowedByMore_ReadsTheFirstOnly()
    {
        var two = Hex.Bytes("00 01 00 00 00 06 01 03 00 00 00 01 00 02 00 00 00 06 01 03 00 01 00 01");

        Assert.True(ModbusTcpFrame.TryRead(two, out var first, out _));
        Assert.True(ModbusTcpFrame.TryRead(two.AsSpan(first.FrameLength), out var second, out _));

        Assert.Equal(1, first.TransactionId);
        Assert.Equal(2, second.TransactionId);
    }

    // Each: the bytes received so far, the error; refused as soon as the faulty field is in.
    public static TheoryData<string, string, ModbusFrameError> MalformedHeaders => new()
    {
        { "protocol id 1, seen after 4 bytes", "00 01 00 01", ModbusFrameError.ProtocolIdNotModbus },
        { "protocol id 0xFFFF in a whole frame", "00 01 FF FF 00 06 01 03 00 00 00 01", ModbusFrameError.ProtocolIdNotModbus },
        { "length 0", "00 01 00 00 00 00", ModbusFrameError.LengthTooSmall },
        { "length 1: a unit id and no function code", "00 01 00 00 00 01 01", ModbusFrameError.LengthTooSmall },
        { "length 255: a 261-byte frame", "00 01 00 00 00 FF", ModbusFrameError.LengthTooLarge },
        { "length 0xFFFF", "00 01 00 00 FF FF 01", ModbusFrameError.LengthTooLarge },
    };

    [Theory]
    [MemberData(nameof(MalformedHeaders))]
    public void TryRead_MalformedHeader_IsRefusedBeforeTheRestArrives(string defect, string bytes, ModbusFrameError expected)
    {
        Assert.False(ModbusTcpFrame.TryRead(Hex.Bytes(bytes), out _, out var error), defect);
        Assert.Equal(expected, error);
    }

    [Fact]
    public void TryRead_LargestFrame_Is260Bytes()
    {
        var frame = new byte[260];
        frame[5] = 254;
        frame[7] = 0x10;

        Assert.True(ModbusTcpFrame.TryRead(frame, out var header, out _));
        Assert.Equal(ModbusLimits.MaxAduSize, header.FrameLength);
    }

    [Property(Arbitrary = [typeof(ModbusGenerators)])]
    public void EncodeRequest_AnyRequest_FramesWithItsTransactionAndUnit(Exchange exchange)
    {
        var writer = new ArrayBufferWriter<byte>();

        var written = ModbusTcpFrame.EncodeRequest(exchange.TransactionId, exchange.UnitId, exchange.Request, writer);

        Assert.Equal(ModbusTcpFrame.GetRequestSize(exchange.Request), written);
        Assert.InRange(written, 12, ModbusLimits.MaxAduSize);
        Assert.True(ModbusTcpFrame.TryRead(writer.WrittenSpan, out var header, out var error), error.ToString());
        Assert.Equal(new MbapHeader(exchange.TransactionId, 0, (ushort)(written - 6), exchange.UnitId), header);
        Assert.True(ModbusPdu.TryDecodeRequest(writer.WrittenMemory[ModbusLimits.MbapHeaderSize..], out var request, out _));
        Assert.Equal(exchange.Request, request);
    }

    [Property(Arbitrary = [typeof(ModbusGenerators)])]
    public void EncodeResponse_AnyAnswer_FramesWithItsTransactionAndUnit(Exchange exchange)
    {
        var buffer = new byte[ModbusLimits.MaxAduSize];

        var written = ModbusTcpFrame.EncodeResponse(exchange.TransactionId, exchange.UnitId, exchange.Response, buffer);

        Assert.True(ModbusTcpFrame.TryRead(buffer.AsSpan(0, written), out var header, out var error), error.ToString());
        Assert.Equal(written, header.FrameLength);
        Assert.Equal(exchange.TransactionId, header.TransactionId);
        Assert.Equal(exchange.UnitId, header.UnitId);
        Assert.True(ModbusPdu.TryDecodeResponse(buffer.AsMemory(ModbusLimits.MbapHeaderSize, header.PduLength), exchange.Request, out var response, out _));
        Assert.Equal(exchange.Response, response);
    }

    [Property(Arbitrary = [typeof(ModbusGenerators)], MaxTest = 500)]
    public void TryRead_AnyBytes_NeverThrowsAndNeverReadsPastTheBuffer(byte[] bytes)
    {
        if (ModbusTcpFrame.TryRead(bytes, out var header, out var error))
        {
            Assert.InRange(header.FrameLength, 8, Math.Min(bytes.Length, ModbusLimits.MaxAduSize));
        }
        else
        {
            Assert.NotEqual(ModbusFrameError.None, error);
        }
    }
}
