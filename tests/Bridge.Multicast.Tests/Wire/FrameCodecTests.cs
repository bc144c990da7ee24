using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Bridge.Multicast.Wire;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Bridge.Multicast.Tests.Wire;

/// <summary>
/// <see cref="FrameCodec"/>, version 1: round trips, stream reassembly, the named rejection of
/// every malformed input, and a golden vector that pins the byte layout (docs/wire-format.md).
/// </summary>
public sealed class FrameCodecTests
{
    /// <summary>
    /// The reference frame, written out by hand field by field from the layout in FrameCodec.cs.
    /// The group hash was computed with an FNV-1a implementation independent of <see cref="GroupHash"/>.
    /// </summary>
    private const string GoldenHex =
        "4743" +                                               //  0: magic "GC"
        "01" +                                                 //  2: version 1
        "01" +                                                 //  3: frame type Data
        "00" +                                                 //  4: flags none
        "01" +                                                 //  5: content type MqttPublish
        "0017" +                                               //  6: group name length 23
        "BBD70182" +                                           //  8: FNV-1a 32 of the group name
        "0102030405060708" +                                   // 12: source id
        "000000000000002A" +                                   // 20: sequence 42
        "00060A24181E4000" +                                   // 28: 1 700 000 000 000 000 us
        "00000005" +                                           // 36: payload length 5
        "68616D3A69703A3233392E3139322E302E373A35303030" +     // 40: "ham:ip:239.192.0.7:5000"
        "3233302E31";                                          // 63: "230.1"

    private static readonly FrameSpec Reference = new(
        SourceId: 0x0102030405060708,
        Sequence: 42,
        TimestampMicroseconds: 1_700_000_000_000_000,
        ContentType: ContentType.MqttPublish,
        Group: "ham:ip:239.192.0.7:5000"u8.ToArray(),
        Payload: "230.1"u8.ToArray());

    /// <summary>Header defects, each detectable from the 40 header bytes alone.</summary>
    private static readonly (string Name, Action<byte[]> Damage, FrameError Expected)[] HeaderDefects =
    [
        ("first magic byte wrong", f => f[0] = 0x48, FrameError.BadMagic),
        ("second magic byte wrong", f => f[1] = 0x00, FrameError.BadMagic),
        ("version 0", f => f[2] = 0, FrameError.UnsupportedVersion),
        ("version 2", f => f[2] = 2, FrameError.UnsupportedVersion),
        ("frame type 0", f => f[3] = 0, FrameError.UnknownFrameType),
        ("frame type 0xFF", f => f[3] = 0xFF, FrameError.UnknownFrameType),
        ("lowest flag bit set", f => f[4] = 0x01, FrameError.UnknownFlags),
        ("highest flag bit set", f => f[4] = 0x80, FrameError.UnknownFlags),
        ("content type 2", f => f[5] = 2, FrameError.UnknownContentType),
        ("content type 0xFF", f => f[5] = 0xFF, FrameError.UnknownContentType),
        ("group name length 0", f => WriteUInt16(f, 6, 0), FrameError.BadGroupNameLength),
        ("group name length 1025", f => WriteUInt16(f, 6, FrameCodec.MaxGroupNameLength + 1), FrameError.BadGroupNameLength),
        ("group name length 0xFFFF", f => WriteUInt16(f, 6, ushort.MaxValue), FrameError.BadGroupNameLength),
        ("payload length one past the maximum frame", f => WriteUInt32(f, 36, (uint)PayloadLengthFor(FrameCodec.DefaultMaxFrameSize + 1)), FrameError.FrameTooLarge),
        ("payload length 0xFFFFFFFF", f => WriteUInt32(f, 36, uint.MaxValue), FrameError.FrameTooLarge),
    ];

    public static TheoryData<string, byte[], FrameError> MalformedHeaders()
    {
        var data = new TheoryData<string, byte[], FrameError>();
        foreach (var (name, damage, expected) in HeaderDefects)
        {
            var header = Encode(Reference)[..FrameCodec.HeaderSize];
            damage(header);
            data.Add(name, header, expected);
        }

        return data;
    }

    public static TheoryData<string, byte[], FrameError> MalformedDatagrams()
    {
        var data = new TheoryData<string, byte[], FrameError>();
        foreach (var (name, damage, expected) in HeaderDefects)
        {
            var frame = Encode(Reference);
            damage(frame);
            data.Add(name, frame, expected);
        }

        var valid = Encode(Reference);
        data.Add("a group name byte flipped", Damaged(valid, f => f[FrameCodec.HeaderSize] ^= 0x01), FrameError.GroupHashMismatch);
        data.Add("a group hash byte flipped", Damaged(valid, f => f[11] ^= 0x01), FrameError.GroupHashMismatch);

        // Encode refuses these names, so the frames are patched by hand: each carries the correct
        // hash of its invalid name; GroupNameNotUtf8 (not GroupHashMismatch) shows the hash check passed.
        data.Add("group name 0xFF", WithRawGroup([0xFF]), FrameError.GroupNameNotUtf8);
        data.Add("group name with a lone continuation byte", WithRawGroup([.. "ham:ip:239.1.2.3"u8, 0x80]), FrameError.GroupNameNotUtf8);
        data.Add("group name with an overlong '/'", WithRawGroup([0xC0, 0xAF]), FrameError.GroupNameNotUtf8);
        data.Add("group name with an encoded surrogate", WithRawGroup([0xED, 0xA0, 0x80]), FrameError.GroupNameNotUtf8);
        data.Add("group name ending inside a sequence", WithRawGroup([0x68, 0xE2, 0x82]), FrameError.GroupNameNotUtf8);

        data.Add("empty datagram", [], FrameError.Truncated);
        data.Add("magic and version only", valid[..3], FrameError.Truncated);
        data.Add("header one byte short", valid[..(FrameCodec.HeaderSize - 1)], FrameError.Truncated);
        data.Add("header only", valid[..FrameCodec.HeaderSize], FrameError.Truncated);
        data.Add("last payload byte missing", valid[..^1], FrameError.Truncated);
        data.Add("announces exactly the maximum frame but is short", Damaged(valid, f => WriteUInt32(f, 36, (uint)PayloadLengthFor(FrameCodec.DefaultMaxFrameSize))), FrameError.Truncated);
        data.Add("one byte after the frame", [.. valid, 0x00], FrameError.TrailingBytes);
        data.Add("two frames in one datagram", [.. valid, .. valid], FrameError.TrailingBytes);
        data.Add("three bytes with a wrong magic", [0x58, 0x59, 0x5A], FrameError.BadMagic);
        return data;
    }

    [Property(Arbitrary = [typeof(FrameGenerators)])]
    public void Encode_AnyValidFrame_DatagramDecodesToSameFields(FrameSpec spec)
    {
        var writer = new ArrayBufferWriter<byte>();

        var written = FrameCodec.Encode(spec.ToFrame(), writer);

        Assert.Equal(FrameCodec.GetEncodedSize(spec.Group.Length, spec.Payload.Length), written);
        Assert.Equal(written, writer.WrittenCount);
        Assert.True(FrameCodec.TryDecodeDatagram(writer.WrittenMemory, out var frame, out var error), $"rejected: {error}");
        Assert.Equal(FrameError.None, error);
        AssertFrame(spec, frame);
    }

    [Property(Arbitrary = [typeof(FrameGenerators)])]
    public void TryDecode_ConcatenatedFramesSplitAnywhere_DecodesEachInTurn(StreamCase stream)
    {
        var input = BufferSegment.Split([.. stream.Frames.SelectMany(Encode)], stream.Cuts);

        foreach (var expected in stream.Frames)
        {
            Assert.True(FrameCodec.TryDecode(input, out var frame, out var consumed, out var error), $"rejected: {error}");
            Assert.Equal(FrameCodec.GetEncodedSize(expected.Group.Length, expected.Payload.Length), input.Slice(input.Start, consumed).Length);
            AssertFrame(expected, frame);
            input = input.Slice(consumed);
        }

        Assert.True(input.IsEmpty);
    }

    [Fact]
    public void TryDecode_FrameInOneByteSegments_DecodesFrame()
    {
        var bytes = Encode(Reference);
        var input = BufferSegment.Split(bytes, Enumerable.Range(1, bytes.Length - 1));

        Assert.True(FrameCodec.TryDecode(input, out var frame, out var consumed, out var error), $"rejected: {error}");
        Assert.Equal(input.End, consumed);
        AssertFrame(Reference, frame);
    }

    [Fact]
    public void TryDecode_EveryProperPrefixOfFrame_ReturnsIncompleteAndConsumesNothing()
    {
        var bytes = Encode(Reference);

        for (var length = 0; length < bytes.Length; length++)
        {
            var input = new ReadOnlySequence<byte>(bytes, 0, length);

            var decoded = FrameCodec.TryDecode(input, out _, out var consumed, out var error);

            Assert.False(decoded, $"decoded a {length}-byte prefix");
            Assert.Equal(FrameError.Incomplete, error);
            Assert.Equal(input.Start, consumed);
        }
    }

    [Theory]
    [MemberData(nameof(MalformedHeaders))]
    public void TryDecode_HeaderAloneIsMalformed_RejectsBeforeBodyArrives(string defect, byte[] header, FrameError expected)
    {
        var decoded = FrameCodec.TryDecode(new ReadOnlySequence<byte>(header), out _, out _, out var error);

        Assert.False(decoded, defect);
        Assert.Equal(expected, error);
    }

    [Theory]
    [InlineData("", FrameError.Incomplete)]
    [InlineData("47", FrameError.Incomplete)]
    [InlineData("4743", FrameError.Incomplete)]
    [InlineData("474301", FrameError.Incomplete)]
    [InlineData("585943", FrameError.BadMagic)]
    [InlineData("474302", FrameError.UnsupportedVersion)]
    [InlineData("4743020100", FrameError.UnsupportedVersion)]
    public void TryDecode_ShorterThanHeader_RejectsBadPrefixOnceThreeBytesArrive(string hex, FrameError expected)
    {
        var decoded = FrameCodec.TryDecode(new ReadOnlySequence<byte>(Convert.FromHexString(hex)), out _, out _, out var error);

        Assert.False(decoded);
        Assert.Equal(expected, error);
    }

    // A wrong first or second byte already rules out "GC": a stream reader must not wait for more.
    [Theory]
    [InlineData("00")]
    [InlineData("58")]
    [InlineData("4700")]
    public void TryDecode_FewerThanThreeBytesWithWrongMagic_ReturnsBadMagic(string hex)
    {
        var bytes = Convert.FromHexString(hex);

        var decoded = FrameCodec.TryDecode(new ReadOnlySequence<byte>(bytes), out _, out _, out var error);
        var decodedDatagram = FrameCodec.TryDecodeDatagram(bytes, out _, out var datagramError);

        Assert.False(decoded);
        Assert.Equal(FrameError.BadMagic, error);
        Assert.False(decodedDatagram);
        Assert.Equal(FrameError.BadMagic, datagramError);
    }

    [Theory]
    [MemberData(nameof(MalformedDatagrams))]
    public void TryDecodeDatagram_Malformed_RejectsWithNamedError(string defect, byte[] datagram, FrameError expected)
    {
        var decoded = FrameCodec.TryDecodeDatagram(datagram, out var frame, out var error);

        Assert.False(decoded, defect);
        Assert.Equal(expected, error);
        Assert.Equal(default, frame);
    }

    [Fact]
    public void TryDecodeDatagram_LongerThanDefaultMaximum_ReturnsFrameTooLarge()
    {
        var largest = Encode(Reference with { Payload = new byte[PayloadLengthFor(FrameCodec.DefaultMaxFrameSize)] });
        Assert.True(FrameCodec.TryDecodeDatagram(largest, out _, out _));

        var decoded = FrameCodec.TryDecodeDatagram((byte[])[.. largest, 0x00], out _, out var error);

        Assert.False(decoded);
        Assert.Equal(FrameError.FrameTooLarge, error);
    }

    [Theory]
    [InlineData(67, false, FrameError.FrameTooLarge)]
    [InlineData(68, true, FrameError.None)]
    [InlineData(69, true, FrameError.None)]
    public void TryDecodeDatagram_CustomMaximumAroundFrameSize_AcceptsUpToMaximum(int maxFrameSize, bool accepted, FrameError expected)
    {
        var datagram = Encode(Reference);
        Assert.Equal(68, datagram.Length);

        var decoded = FrameCodec.TryDecodeDatagram(datagram, out _, out var error, maxFrameSize);

        Assert.Equal(accepted, decoded);
        Assert.Equal(expected, error);
    }

    [Fact]
    public void TryDecode_AnnouncedFrameAboveCustomMaximum_ReturnsFrameTooLargeFromHeader()
    {
        var header = Encode(Reference)[..FrameCodec.HeaderSize];

        var decoded = FrameCodec.TryDecode(new ReadOnlySequence<byte>(header), out _, out _, out var error, maxFrameSize: 67);

        Assert.False(decoded);
        Assert.Equal(FrameError.FrameTooLarge, error);
    }

    public static TheoryData<string, GridCastFrame> UndecodableFrames() => new()
    {
        { "undefined frame type", Reference.ToFrame() with { Type = (FrameType)0x7F } },
        { "undefined flag", Reference.ToFrame() with { Flags = (FrameFlags)0x01 } },
        { "undefined content type", Reference.ToFrame() with { ContentType = (ContentType)0x7F } },
        { "group name not UTF-8", WithGroup([0x68, 0xFF]).ToFrame() },
    };

    // Encoding what every receiver would drop is our own misuse, so it throws instead.
    [Theory]
    [MemberData(nameof(UndecodableFrames))]
    public void Encode_FrameTheDecoderRejects_ThrowsArgumentException(string defect, GridCastFrame frame)
    {
        var writer = new ArrayBufferWriter<byte>();

        var exception = Assert.Throws<ArgumentException>(() => FrameCodec.Encode(frame, writer));

        Assert.Equal("frame", exception.ParamName);
        Assert.True(writer.WrittenCount == 0, defect);
    }

    [Fact]
    public void Encode_EmptyGroup_ThrowsArgumentException()
    {
        var writer = new ArrayBufferWriter<byte>();

        var exception = Assert.Throws<ArgumentException>(() => FrameCodec.Encode(WithGroup([]).ToFrame(), writer));

        Assert.Equal("frame", exception.ParamName);
        Assert.Equal(0, writer.WrittenCount);
    }

    [Fact]
    public void Encode_GroupAboveMaxGroupNameLength_ThrowsArgumentException()
    {
        var writer = new ArrayBufferWriter<byte>();
        var group = Enumerable.Repeat((byte)'a', FrameCodec.MaxGroupNameLength + 1).ToArray();

        var exception = Assert.Throws<ArgumentException>(() => FrameCodec.Encode(WithGroup(group).ToFrame(), writer));

        Assert.Equal("frame", exception.ParamName);
        Assert.Equal(0, writer.WrittenCount);
    }

    [Fact]
    public void Encode_GroupOfMaxGroupNameLength_Succeeds()
    {
        var writer = new ArrayBufferWriter<byte>();
        var group = Enumerable.Repeat((byte)'a', FrameCodec.MaxGroupNameLength).ToArray();

        var written = FrameCodec.Encode(WithGroup(group).ToFrame(), writer);

        Assert.Equal(FrameCodec.HeaderSize + FrameCodec.MaxGroupNameLength + 5, written);
    }

    [Theory]
    [InlineData(FrameCodec.DefaultMaxFrameSize, FrameCodec.DefaultMaxFrameSize + 1)]
    [InlineData(100, 101)]
    public void Encode_FrameOneByteAboveMaximum_ThrowsArgumentException(int maxFrameSize, int frameSize)
    {
        var writer = new ArrayBufferWriter<byte>();
        var spec = Reference with { Payload = new byte[PayloadLengthFor(frameSize)] };

        var exception = Assert.Throws<ArgumentException>(() => FrameCodec.Encode(spec.ToFrame(), writer, maxFrameSize));

        Assert.Equal("frame", exception.ParamName);
        Assert.Equal(0, writer.WrittenCount);
    }

    [Theory]
    [InlineData(FrameCodec.DefaultMaxFrameSize)]
    [InlineData(100)]
    public void Encode_FrameOfExactlyMaximum_Succeeds(int maxFrameSize)
    {
        var writer = new ArrayBufferWriter<byte>();
        var spec = Reference with { Payload = new byte[PayloadLengthFor(maxFrameSize)] };

        var written = FrameCodec.Encode(spec.ToFrame(), writer, maxFrameSize);

        Assert.Equal(maxFrameSize, written);
    }

    [Fact]
    public void Encode_ReferenceFrame_WritesGoldenBytes()
    {
        Assert.Equal(GoldenHex, Convert.ToHexString(Encode(Reference)));
    }

    [Fact]
    public void TryDecodeDatagram_GoldenBytes_ReturnsReferenceFrame()
    {
        Assert.True(FrameCodec.TryDecodeDatagram(Convert.FromHexString(GoldenHex), out var frame, out var error), $"rejected: {error}");
        AssertFrame(Reference, frame);
    }

    private static byte[] Encode(FrameSpec spec)
    {
        var writer = new ArrayBufferWriter<byte>();
        FrameCodec.Encode(spec.ToFrame(), writer);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>The payload length that makes a frame with the reference group exactly <paramref name="frameSize"/> bytes.</summary>
    private static int PayloadLengthFor(int frameSize) => frameSize - FrameCodec.HeaderSize - Reference.Group.Length;

    private static FrameSpec WithGroup(byte[] group) => Reference with { Group = group };

    /// <summary>The reference frame with <paramref name="group"/> written in place of an ASCII name of its length, and its hash.</summary>
    private static byte[] WithRawGroup(byte[] group)
    {
        var frame = Encode(WithGroup([.. Enumerable.Repeat((byte)'a', group.Length)]));
        group.CopyTo(frame, FrameCodec.HeaderSize);
        WriteUInt32(frame, 8, GroupHash.Compute(group));
        return frame;
    }

    private static byte[] Damaged(byte[] frame, Action<byte[]> damage)
    {
        var copy = frame.ToArray();
        damage(copy);
        return copy;
    }

    private static void WriteUInt16(byte[] frame, int offset, int value) =>
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(offset), (ushort)value);

    private static void WriteUInt32(byte[] frame, int offset, uint value) =>
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(offset), value);

    private static void AssertFrame(FrameSpec expected, GridCastFrame actual)
    {
        Assert.Equal(FrameType.Data, actual.Type);
        Assert.Equal(FrameFlags.None, actual.Flags);
        Assert.Equal(expected.ContentType, actual.ContentType);
        Assert.Equal(expected.SourceId, actual.SourceId);
        Assert.Equal(expected.Sequence, actual.Sequence);
        Assert.Equal(expected.TimestampMicroseconds, actual.TimestampMicroseconds);
        Assert.Equal(expected.Group.ToArray(), actual.Group.ToArray());
        Assert.Equal(expected.Payload.ToArray(), actual.Payload.ToArray());
    }
}

/// <summary>The fields of a data frame, as the property tests generate them.</summary>
public sealed record FrameSpec(
    ulong SourceId,
    ulong Sequence,
    long TimestampMicroseconds,
    ContentType ContentType,
    ReadOnlyMemory<byte> Group,
    ReadOnlyMemory<byte> Payload)
{
    public GridCastFrame ToFrame() => new()
    {
        Type = FrameType.Data,
        Flags = FrameFlags.None,
        ContentType = ContentType,
        Group = Group,
        SourceId = SourceId,
        Sequence = Sequence,
        TimestampMicroseconds = TimestampMicroseconds,
        Payload = Payload,
    };

    /// <summary>A counterexample FsCheck can print: the lengths and the start of each byte field.</summary>
    public override string ToString() =>
        $"source {SourceId:X16}, sequence {Sequence}, timestamp {TimestampMicroseconds}, {ContentType}, " +
        $"group {Group.Length} bytes {Convert.ToHexString(Group.Span[..Math.Min(Group.Length, 32)])}, " +
        $"payload {Payload.Length} bytes {Convert.ToHexString(Payload.Span[..Math.Min(Payload.Length, 32)])}";
}

/// <summary>Frames to concatenate into one stream, and the offsets at which to cut it into segments.</summary>
public sealed record StreamCase(IReadOnlyList<FrameSpec> Frames, IReadOnlyList<int> Cuts)
{
    public override string ToString() => $"{Frames.Count} frames cut at [{string.Join(", ", Cuts)}]: {string.Join("; ", Frames)}";
}

/// <summary>FsCheck generators for <see cref="FrameCodecTests"/>.</summary>
public static class FrameGenerators
{
    private static readonly Gen<byte> AnyByte = Gen.Choose(0, 255).Select(b => (byte)b);

    /// <summary>Scalar values of every UTF-8 sequence length: 1, 2, 3 (both sides of the surrogates) and 4 bytes.</summary>
    private static readonly Gen<Rune> AnyRune = Gen.Frequency(
        (4, Gen.Choose(0x00, 0x7F)),
        (2, Gen.Choose(0x80, 0x7FF)),
        (2, Gen.Choose(0x800, 0xD7FF)),
        (1, Gen.Choose(0xE000, 0xFFFF)),
        (1, Gen.Choose(0x10000, 0x10FFFF)))
        .Select(v => new Rune(v));

    private static readonly Gen<ulong> AnyUInt64 = Gen.Frequency(
        (1, Gen.Elements(0UL, 1UL, ulong.MaxValue)),
        (9, AnyByte.ArrayOf(8).Select(b => BinaryPrimitives.ReadUInt64BigEndian(b))));

    private static readonly Gen<long> AnyInt64 = Gen.Frequency(
        (1, Gen.Elements(long.MinValue, -1L, 0L, long.MaxValue)),
        (9, AnyByte.ArrayOf(8).Select(b => BinaryPrimitives.ReadInt64BigEndian(b))));

    public static Arbitrary<FrameSpec> Frames() => Arb.From(FrameOf(maxPayload: 4000));

    public static Arbitrary<StreamCase> Streams() => Arb.From(
        from count in Gen.Choose(1, 5)
        from frames in FrameOf(maxPayload: 300).ArrayOf(count)
        let total = frames.Sum(f => FrameCodec.GetEncodedSize(f.Group.Length, f.Payload.Length))
        from cutCount in Gen.Choose(1, 16)
        from cuts in Gen.Choose(1, total - 1).ArrayOf(cutCount)
        select new StreamCase([.. frames], [.. cuts.Distinct().Order()]));

    private static Gen<FrameSpec> FrameOf(int maxPayload) =>
        from sourceId in AnyUInt64
        from sequence in AnyUInt64
        from timestamp in AnyInt64
        from contentType in Gen.Elements(Enum.GetValues<ContentType>())
        from groupName in GroupName()
        from payloadLength in Gen.Frequency((1, Gen.Constant(0)), (9, Gen.Choose(0, maxPayload)))
        from payload in AnyByte.ArrayOf(payloadLength)
        select new FrameSpec(sourceId, sequence, timestamp, contentType, groupName, payload);

    /// <summary>Valid UTF-8 of exactly 1..MaxGroupNameLength bytes, the extremes included.</summary>
    private static Gen<byte[]> GroupName() =>
        from length in Gen.Frequency(
            (1, Gen.Elements(1, FrameCodec.MaxGroupNameLength)),
            (9, Gen.Choose(1, FrameCodec.MaxGroupNameLength)))
        from runes in AnyRune.ArrayOf(length)
        select Utf8OfLength(runes, length);

    private static byte[] Utf8OfLength(Rune[] runes, int length)
    {
        var utf8 = new List<byte>(length);
        Span<byte> encoded = stackalloc byte[4];
        foreach (var rune in runes)
        {
            var size = rune.EncodeToUtf8(encoded);
            if (utf8.Count + size > length)
            {
                break;
            }

            utf8.AddRange(encoded[..size]);
        }

        // Fill the last one to three bytes, where the next rune did not fit, with ASCII.
        utf8.AddRange(Enumerable.Repeat((byte)'~', length - utf8.Count));
        return [.. utf8];
    }
}

/// <summary>A segment of a multi-segment <see cref="ReadOnlySequence{T}"/>, as a pipe reader would hand over.</summary>
internal sealed class BufferSegment : ReadOnlySequenceSegment<byte>
{
    private BufferSegment(ReadOnlyMemory<byte> memory, long runningIndex)
    {
        Memory = memory;
        RunningIndex = runningIndex;
    }

    /// <summary>Cuts <paramref name="bytes"/> at the given ascending offsets into one segment per piece.</summary>
    public static ReadOnlySequence<byte> Split(byte[] bytes, IEnumerable<int> cuts)
    {
        var bounds = cuts.Append(bytes.Length).ToList();
        var first = new BufferSegment(bytes.AsMemory(0, bounds[0]), 0);
        var last = first;
        for (var i = 1; i < bounds.Count; i++)
        {
            var next = new BufferSegment(bytes.AsMemory(bounds[i - 1], bounds[i] - bounds[i - 1]), bounds[i - 1]);
            last.Next = next;
            last = next;
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }
}
