using Bridge.Adapters.Iec61850.Mms;
using Bridge.Adapters.Iec61850.Mms.Asn1;

namespace Bridge.Adapters.Iec61850.Tests.Mms.Codecs;

/// <summary>The BER reader and writer: the encodings X.690 prescribes, and every malformed input rejected with its name and offset.</summary>
public sealed class BerTests
{
    [Theory]
    [InlineData(0L, "020100")]
    [InlineData(127L, "02017F")]
    [InlineData(128L, "02020080")]
    [InlineData(-1L, "0201FF")]
    [InlineData(-128L, "020180")]
    [InlineData(-129L, "0202FF7F")]
    [InlineData(65000L, "020300FDE8")]
    [InlineData(long.MinValue, "02088000000000000000")]
    public void WriteInteger_Value_IsTheShortestTwosComplement(long value, string hex)
    {
        using var writer = new BerWriter();
        writer.WriteInteger(BerTag.UniversalInteger, value);

        Assert.Equal(hex, Convert.ToHexString(writer.WrittenSpan));
        var reader = new BerReader(writer.WrittenSpan, StackLayer.Mms);
        Assert.Equal(value, reader.ReadInteger(BerTag.UniversalInteger, "value"));
    }

    [Theory]
    [InlineData(0UL, "860100")]
    [InlineData(200UL, "860200C8")]
    [InlineData(5000UL, "86021388")]
    [InlineData(ulong.MaxValue, "860900FFFFFFFFFFFFFFFF")]
    public void WriteUnsigned_Value_HasALeadingZeroWhenTheTopBitIsSet(ulong value, string hex)
    {
        using var writer = new BerWriter();
        writer.WriteUnsigned(BerTag.Context(6), value);

        Assert.Equal(hex, Convert.ToHexString(writer.WrittenSpan));
        var reader = new BerReader(writer.WrittenSpan, StackLayer.Mms);
        Assert.Equal(value, reader.ReadUnsigned(BerTag.Context(6), "value"));
    }

    [Theory]
    [InlineData(0, "3000")]
    [InlineData(127, "307F")]
    [InlineData(128, "308180")]
    [InlineData(255, "3081FF")]
    [InlineData(256, "30820100")]
    [InlineData(70000, "3083011170")]
    public void Pop_ContentLength_WritesTheShortestDefiniteLength(int length, string header)
    {
        using var writer = new BerWriter();
        writer.Push(BerTag.Sequence);
        writer.WriteBytes(new byte[length]);
        writer.Pop();

        Assert.Equal(header, Convert.ToHexString(writer.WrittenSpan[..(header.Length / 2)]));
        Assert.Equal((header.Length / 2) + length, writer.Length);
    }

    [Fact]
    public void Push_NestedElementsGrowingPast127_MovesTheirContentsRight()
    {
        using var writer = new BerWriter();
        writer.Push(BerTag.ContextConstructed(1));
        writer.Push(BerTag.ContextConstructed(2));
        writer.WriteBytes(Enumerable.Range(0, 200).Select(i => (byte)i).ToArray());
        writer.Pop();
        writer.Pop();

        var reader = new BerReader(writer.WrittenSpan, StackLayer.Mms);
        var outer = reader.ReadConstructed(BerTag.ContextConstructed(1), "outer");
        var inner = outer.ReadExpected(BerTag.ContextConstructed(2), "inner");
        Assert.Equal(Enumerable.Range(0, 200).Select(i => (byte)i), inner.ToArray());
    }

    [Fact]
    public void SessionUnit_Of300Octets_UsesTheThreeOctetLengthIndicator()
    {
        using var writer = new BerWriter();
        writer.PushSessionUnit(193);
        writer.WriteBytes(new byte[300]);
        writer.Pop();

        Assert.Equal("C1FF012C", Convert.ToHexString(writer.WrittenSpan[..4]));
    }

    [Theory]
    [InlineData(30, "BE")]
    [InlineData(31, "BF1F")]
    [InlineData(79, "BF4F")]
    [InlineData(200, "BF8148")]
    public void WriteTag_HighNumbers_UseTheBase128Form(int number, string hex)
    {
        using var writer = new BerWriter();
        writer.Push(BerTag.ContextConstructed(number));
        writer.Pop();

        Assert.Equal(hex + "00", Convert.ToHexString(writer.WrittenSpan));
        Assert.Equal(BerTag.ContextConstructed(number), new BerReader(writer.WrittenSpan, StackLayer.Mms).PeekTag());
    }

    [Theory]
    [InlineData("1.0.9506.2.1", "28CA220201")]
    [InlineData("2.2.1.0.1", "52010001")]
    [InlineData("2.1.1", "5101")]
    [InlineData("1.1.1.999.1", "2901876701")]
    public void ObjectIdentifier_KnownArcs_EncodeAsTheCaptureHasThem(string dotted, string hex)
    {
        var oid = ObjectIdentifier.Parse(dotted);

        Assert.Equal(hex, Convert.ToHexString(oid.Encode()));
        Assert.True(ObjectIdentifier.TryDecode(Convert.FromHexString(hex), out var decoded));
        Assert.Equal(oid, decoded);
    }

    [Fact]
    public void BitString_FromFlags_MapsFlagBitNToStringBitN()
    {
        var bits = BitString.FromFlags(0b11100, 6);

        Assert.Equal("001110", bits.ToString());
        Assert.Equal(0x38, bits.Bytes[0]);
        Assert.Equal(2, bits.UnusedBits);
        Assert.Equal(0b11100u, bits.ToFlags());
    }

    [Theory]
    [InlineData("3080", DecodeError.IndefiniteLength, 1)]
    [InlineData("3005020101", DecodeError.LengthOverrun, 1)]
    [InlineData("30", DecodeError.Truncated, 1)]
    [InlineData("3085000000000100", DecodeError.LengthTooLarge, 1)]
    [InlineData("308200", DecodeError.Truncated, 1)]
    [InlineData("1F80808001", DecodeError.TagTooLarge, 4)]
    [InlineData("0200", DecodeError.BadInteger, 2)]
    [InlineData("0201000000", DecodeError.TrailingBytes, 3)]
    public void Reader_MalformedElement_IsRejectedByName(string hex, DecodeError error, int offset)
    {
        var bytes = Convert.FromHexString(hex);

        var failure = Catch(() =>
        {
            var reader = new BerReader(bytes, StackLayer.Mms);
            reader.ReadElement(out var tag, out var at, "element");
            if (tag == BerTag.UniversalInteger)
            {
                reader.DecodeInteger(bytes.AsSpan(at, bytes[1]), at, "integer");
            }

            reader.ExpectEnd("element");
        });

        Assert.Equal(error, failure.Error);
        Assert.Equal(offset, failure.Offset);
        Assert.Equal(StackLayer.Mms, failure.Layer);
    }

    [Fact]
    public void Reader_NestingBeyondTheLimit_IsRejected()
    {
        var bytes = Convert.FromHexString("3006300430023000");

        var failure = Catch(() =>
        {
            var reader = new BerReader(bytes, StackLayer.Mms, maxDepth: 2);
            reader.ReadConstructed(BerTag.Sequence, "1").ReadConstructed(BerTag.Sequence, "2").ReadConstructed(BerTag.Sequence, "3");
        });

        Assert.Equal(DecodeError.NestingTooDeep, failure.Error);
    }

    [Theory]
    [InlineData("0100", DecodeError.BadBoolean)]
    [InlineData("010200FF", DecodeError.BadBoolean)]
    [InlineData("0300", DecodeError.BadBitString)]
    [InlineData("030108", DecodeError.BadBitString)]
    [InlineData("03020780", DecodeError.None)]
    [InlineData("0600", DecodeError.BadObjectIdentifier)]
    [InlineData("060188", DecodeError.BadObjectIdentifier)]
    [InlineData("1A0141", DecodeError.None)]
    [InlineData("1A0120", DecodeError.BadString)]
    [InlineData("0209010000000000000000", DecodeError.IntegerOutOfRange)]
    public void Reader_MalformedPrimitive_IsRejectedByName(string hex, DecodeError error)
    {
        var bytes = Convert.FromHexString(hex);

        var failure = Catch(() =>
        {
            var reader = new BerReader(bytes, StackLayer.Mms);
            var tag = reader.PeekTag();
            if (tag == BerTag.Boolean)
            {
                reader.ReadBoolean(tag, "boolean");
            }
            else if (tag == BerTag.BitString)
            {
                reader.ReadBitString(tag, "bits");
            }
            else if (tag == BerTag.ObjectIdentifier)
            {
                reader.ReadObjectIdentifier(tag, "oid");
            }
            else if (tag == BerTag.VisibleString)
            {
                reader.ReadIdentifier(tag, "identifier", 32);
            }
            else
            {
                reader.ReadInteger(tag, "integer");
            }
        });

        Assert.Equal(error, failure.Error);
    }

    private static DecodeFailure Catch(Action action)
    {
        try
        {
            action();
            return default;
        }
        catch (DecodeException e)
        {
            return e.Failure;
        }
    }
}
