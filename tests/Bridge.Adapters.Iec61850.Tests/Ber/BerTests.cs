using Bridge.Adapters.Iec61850.Ber;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Bridge.Adapters.Iec61850.Tests.Ber;

/// <summary>The BER layer on its own: tags, lengths and integers, both ways.</summary>
public sealed class BerTests
{
    public static TheoryData<string, string> Tags() => new()
    {
        { "a1", "[1] constructed" },
        { "61", "[APPLICATION 1] constructed" },
        { "02", "[UNIVERSAL 2]" },
        { "9f1f", "[31]" },
        { "bf8150", "[208] constructed" },
        { "df8fff7f", "[PRIVATE 262143]" },
    };

    [Theory]
    [MemberData(nameof(Tags))]
    public void TryRead_Tag_IsTheTagAndWritesBackTheSameOctets(string hex, string expected)
    {
        var bytes = Convert.FromHexString(hex);

        Assert.Equal(BerError.None, BerTag.TryRead(bytes, out var tag, out var consumed));

        Assert.Equal(expected, tag.ToString());
        Assert.Equal(bytes.Length, consumed);
        Assert.Equal(bytes.Length, tag.EncodedSize);
        var written = new byte[tag.EncodedSize];
        Assert.Equal(bytes.Length, tag.Write(written));
        Assert.Equal(bytes, written);
    }

    [Theory]
    [InlineData("", BerError.Truncated)]
    [InlineData("1f", BerError.Truncated)]
    [InlineData("1f81", BerError.Truncated)]
    [InlineData("1f1e", BerError.MalformedTag)]
    [InlineData("1f8001", BerError.MalformedTag)]
    [InlineData("1f81818101", BerError.TagNumberTooLarge)]
    public void TryRead_BadTag_IsRejectedWithTheNamedReason(string hex, BerError expected)
        => Assert.Equal(expected, BerTag.TryRead(Convert.FromHexString(hex), out _, out _));

    [Theory]
    [InlineData("00", 0, 1)]
    [InlineData("7f", 127, 1)]
    [InlineData("8180", 128, 2)]
    [InlineData("820100", 256, 3)]
    [InlineData("8400000005", 5, 5)]
    [InlineData("847fffffff", int.MaxValue, 5)]
    public void TryRead_DefiniteLength_IsTheLength(string hex, int length, int consumed)
    {
        Assert.Equal(BerError.None, BerLength.TryRead(Convert.FromHexString(hex), out var read, out var size));

        Assert.Equal(length, read);
        Assert.Equal(consumed, size);
    }

    [Theory]
    [InlineData("", BerError.Truncated)]
    [InlineData("82", BerError.Truncated)]
    [InlineData("8201", BerError.Truncated)]
    [InlineData("80", BerError.IndefiniteLength)]
    [InlineData("850000000001", BerError.LengthOfLengthTooLarge)]
    [InlineData("ff", BerError.LengthOfLengthTooLarge)]
    [InlineData("8480000000", BerError.LengthTooLarge)]
    public void TryRead_BadLength_IsRejectedWithTheNamedReason(string hex, BerError expected)
        => Assert.Equal(expected, BerLength.TryRead(Convert.FromHexString(hex), out _, out _));

    [Fact]
    public void TryRead_ElementBeyondItsEnclosingOne_IsLengthBeyondEnclosingAndAtTopLevelTruncated()
    {
        var bytes = Convert.FromHexString("3003020505");
        var outer = new BerReader(bytes);
        Assert.Equal(BerError.None, outer.TryRead(out var sequence));
        var inner = outer.Enter(sequence);

        Assert.Equal(BerError.LengthBeyondEnclosing, inner.TryRead(out _));
        Assert.Equal(BerError.Truncated, new BerReader(bytes.AsSpan(2)).TryRead(out _));
    }

    [Property(MaxTest = 1000)]
    public void WriteInt64_ThenTryReadInt64_GivesTheValueInTheShortestForm(long value)
    {
        var content = new byte[8];
        var size = BerPrimitive.WriteInt64(content, value);

        Assert.Equal(BerError.None, BerPrimitive.TryReadInt64(content.AsSpan(0, size), out var read));
        Assert.Equal(value, read);
        // X.690 8.3.2: the first nine bits are never all ones or all zeros.
        if (size > 1)
        {
            var leading = (content[0] << 1) | (content[1] >> 7);
            Assert.True(leading is not (0 or 0x1FF), $"{value} written non-minimally: {Convert.ToHexString(content.AsSpan(0, size))}");
        }
    }

    [Property(MaxTest = 1000)]
    public void WriteUInt64_ThenTryReadUInt64_GivesTheValue(ulong value)
    {
        var content = new byte[9];
        var size = BerPrimitive.WriteUInt64(content, value);

        Assert.Equal(BerError.None, BerPrimitive.TryReadUInt64(content.AsSpan(0, size), out var read));
        Assert.Equal(value, read);
        Assert.Equal(value > uint.MaxValue, BerPrimitive.TryReadUInt32(content.AsSpan(0, size), out _) == BerError.IntegerOutOfRange);
    }

    [Property(MaxTest = 300)]
    public Property WriteHeader_ThenTryRead_GivesTheTagAndLength()
        => Prop.ForAll(
            Gen.Choose(0, BerTag.MaxNumber).ToArbitrary(),
            Gen.Choose(0, 70_000).ToArbitrary(),
            (number, length) =>
            {
                var tag = BerTag.Context(number, constructed: number % 2 == 0);
                var bytes = new byte[tag.EncodedSize + BerLength.GetEncodedSize(length) + length];
                var writer = new BerWriter(bytes);
                writer.WriteHeader(tag, length);
                var reader = new BerReader(bytes);

                return reader.TryRead(out var element) == BerError.None
                    && element.Tag == tag
                    && element.ContentLength == length
                    && element.End == bytes.Length;
            });
}
