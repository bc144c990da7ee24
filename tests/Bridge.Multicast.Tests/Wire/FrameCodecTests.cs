using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Bridge.Multicast.Wire;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Bridge.Multicast.Tests.Wire;

/// <summary>
/// <see cref="FrameCodec"/>, version 1: round trips of every frame type, fragment and tag, stream
/// reassembly, the named rejection of every malformed input, the encoder's refusal of what the
/// decoder rejects, allocation-free decoding, and two golden vectors that pin the byte layout
/// (docs/wire-format.md).
/// </summary>
public sealed class FrameCodecTests
{
    /// <summary>
    /// A whole message, written out by hand field by field from the layout in FrameCodec.cs. The
    /// group hash was computed with an FNV-1a implementation independent of <see cref="GroupHash"/>.
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
        "00000005" +                                           // 40: message length 5
        "0000" +                                               // 44: fragment index 0
        "0001" +                                               // 46: fragment count 1
        "0000" +                                               // 48: tag length 0
        "68616D3A69703A3233392E3139322E302E373A35303030" +     // 50: "ham:ip:239.192.0.7:5000"
        "3233302E31";                                          // 73: "230.1"

    /// <summary>
    /// The middle fragment of the 12-byte message "tariff 0.281" cut into 5 + 5 + 2 bytes: a
    /// retained repair copy with an 8-byte tag.
    /// </summary>
    private const string GoldenFragmentHex =
        "4743" +                                               //  0: magic "GC"
        "01" +                                                 //  2: version 1
        "01" +                                                 //  3: frame type Data
        "05" +                                                 //  4: flags Retransmission | LastValue
        "00" +                                                 //  5: content type Raw
        "0017" +                                               //  6: group name length 23
        "BBD70182" +                                           //  8: FNV-1a 32 of the group name
        "0102030405060708" +                                   // 12: source id
        "000000000000002B" +                                   // 20: sequence 43
        "00060A24181E4000" +                                   // 28: 1 700 000 000 000 000 us
        "00000005" +                                           // 36: payload length 5
        "0000000C" +                                           // 40: message length 12
        "0001" +                                               // 44: fragment index 1
        "0003" +                                               // 46: fragment count 3
        "0008" +                                               // 48: tag length 8
        "68616D3A69703A3233392E3139322E302E373A35303030" +     // 50: "ham:ip:239.192.0.7:5000"
        "6620302E32" +                                         // 73: "f 0.2"
        "0011223344556677";                                    // 78: tag

    private static readonly FrameSpec Reference = new(
        Type: FrameType.Data,
        Flags: FrameFlags.None,
        ContentType: ContentType.MqttPublish,
        SourceId: 0x0102030405060708,
        Sequence: 42,
        TimestampMicroseconds: 1_700_000_000_000_000,
        FragmentIndex: 0,
        FragmentCount: 1,
        MessageLength: 5,
        Group: "ham:ip:239.192.0.7:5000"u8.ToArray(),
        Payload: "230.1"u8.ToArray(),
        Tag: ReadOnlyMemory<byte>.Empty);

    private static readonly FrameSpec ReferenceFragment = Reference with
    {
        Flags = FrameFlags.Retransmission | FrameFlags.LastValue,
        ContentType = ContentType.Raw,
        Sequence = 43,
        FragmentIndex = 1,
        FragmentCount = 3,
        MessageLength = 12,
        Payload = "f 0.2"u8.ToArray(),
        Tag = new byte[] { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77 },
    };

    /// <summary>Header defects of the reference frame, each detectable from the 50 header bytes alone.</summary>
    private static readonly (string Name, Action<byte[]> Damage, FrameError Expected)[] HeaderDefects =
    [
        ("first magic byte wrong", f => f[0] = 0x48, FrameError.BadMagic),
        ("second magic byte wrong", f => f[1] = 0x00, FrameError.BadMagic),
        ("version 0", f => f[2] = 0, FrameError.UnsupportedVersion),
        ("version 2", f => f[2] = 2, FrameError.UnsupportedVersion),
        ("frame type 0", f => f[3] = 0, FrameError.UnknownFrameType),
        ("frame type 10, one past Reply", f => f[3] = 10, FrameError.UnknownFrameType),
        ("frame type 0xFF", f => f[3] = 0xFF, FrameError.UnknownFrameType),
        ("lowest undefined flag bit set", f => f[4] = 0x10, FrameError.UnknownFlags),
        ("highest flag bit set", f => f[4] = 0x80, FrameError.UnknownFlags),
        ("every flag bit set", f => f[4] = 0xFF, FrameError.UnknownFlags),
        ("content type 5, one past GooseApdu", f => f[5] = 5, FrameError.UnknownContentType),
        ("content type 0xFF", f => f[5] = 0xFF, FrameError.UnknownContentType),
        ("group name length 0", f => WriteUInt16(f, 6, 0), FrameError.BadGroupNameLength),
        ("group name length 1025", f => WriteUInt16(f, 6, FrameCodec.MaxGroupNameLength + 1), FrameError.BadGroupNameLength),
        ("group name length 0xFFFF", f => WriteUInt16(f, 6, ushort.MaxValue), FrameError.BadGroupNameLength),
        ("tag length 513", f => WriteUInt16(f, 48, FrameCodec.MaxTagLength + 1), FrameError.BadTagLength),
        ("tag length 0xFFFF", f => WriteUInt16(f, 48, ushort.MaxValue), FrameError.BadTagLength),
        ("payload length one past the maximum frame", f => WriteUInt32(f, 36, (uint)PayloadLengthFor(FrameCodec.DefaultMaxFrameSize + 1)), FrameError.FrameTooLarge),
        ("payload length 0xFFFFFFFF", f => WriteUInt32(f, 36, uint.MaxValue), FrameError.FrameTooLarge),
        ("a maximal tag takes the frame one past the maximum", f => { WriteUInt16(f, 48, FrameCodec.MaxTagLength); WriteUInt32(f, 36, (uint)PayloadLengthFor(FrameCodec.DefaultMaxFrameSize + 1 - FrameCodec.MaxTagLength)); }, FrameError.FrameTooLarge),
        ("encrypted without a tag", f => f[4] = (byte)FrameFlags.Encrypted, FrameError.EncryptedWithoutTag),
        ("fragment count 0", f => WriteUInt16(f, 46, 0), FrameError.FragmentCountZero),
        ("fragment count 0 and index 0xFFFF", f => { WriteUInt16(f, 44, ushort.MaxValue); WriteUInt16(f, 46, 0); }, FrameError.FragmentCountZero),
        ("fragment index 1 of 1", f => WriteUInt16(f, 44, 1), FrameError.FragmentIndexOutOfRange),
        ("fragment index 3 of 3", f => { WriteUInt16(f, 44, 3); WriteUInt16(f, 46, 3); }, FrameError.FragmentIndexOutOfRange),
        ("fragment index 0xFFFF of 0xFFFF", f => { WriteUInt16(f, 44, ushort.MaxValue); WriteUInt16(f, 46, ushort.MaxValue); }, FrameError.FragmentIndexOutOfRange),
        ("message length 4 below the payload's 5", f => WriteUInt32(f, 40, 4), FrameError.PayloadExceedsMessage),
        ("message length 0", f => WriteUInt32(f, 40, 0), FrameError.PayloadExceedsMessage),
        ("whole message longer than its payload", f => WriteUInt32(f, 40, 6), FrameError.InconsistentFragment),
        ("first of 2 fragments carries the whole message", f => WriteUInt16(f, 46, 2), FrameError.InconsistentFragment),
        ("first of 2 fragments of 5 bytes, message of 11", f => { WriteUInt16(f, 46, 2); WriteUInt32(f, 40, 11); }, FrameError.InconsistentFragment),
        ("last of 3 fragments, others would be 3.5 bytes", f => { WriteUInt16(f, 44, 2); WriteUInt16(f, 46, 3); WriteUInt32(f, 40, 12); }, FrameError.InconsistentFragment),
        ("last of 3 fragments larger than the others", f => { WriteUInt16(f, 44, 2); WriteUInt16(f, 46, 3); WriteUInt32(f, 40, 13); }, FrameError.InconsistentFragment),
        ("empty fragment of 2", f => { WriteUInt32(f, 36, 0); WriteUInt16(f, 46, 2); }, FrameError.InconsistentFragment),
        ("timestamp one before year 1", f => WriteInt64(f, 28, FrameCodec.MinTimestampMicroseconds - 1), FrameError.TimestampOutOfRange),
        ("timestamp one after year 9999", f => WriteInt64(f, 28, FrameCodec.MaxTimestampMicroseconds + 1), FrameError.TimestampOutOfRange),
        ("timestamp long.MinValue", f => WriteInt64(f, 28, long.MinValue), FrameError.TimestampOutOfRange),
        ("timestamp long.MaxValue", f => WriteInt64(f, 28, long.MaxValue), FrameError.TimestampOutOfRange),
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

        var tagged = Encode(ReferenceFragment);
        data.Add("empty datagram", [], FrameError.Truncated);
        data.Add("magic and version only", valid[..3], FrameError.Truncated);
        data.Add("header one byte short", valid[..(FrameCodec.HeaderSize - 1)], FrameError.Truncated);
        data.Add("header only", valid[..FrameCodec.HeaderSize], FrameError.Truncated);
        data.Add("last payload byte missing", valid[..^1], FrameError.Truncated);
        data.Add("last tag byte missing", tagged[..^1], FrameError.Truncated);
        data.Add("whole tag missing", tagged[..^8], FrameError.Truncated);
        data.Add(
            "announces exactly the maximum frame but is short",
            Damaged(valid, f =>
            {
                WriteUInt32(f, 36, (uint)PayloadLengthFor(FrameCodec.DefaultMaxFrameSize));
                WriteUInt32(f, 40, (uint)PayloadLengthFor(FrameCodec.DefaultMaxFrameSize));
            }),
            FrameError.Truncated);
        data.Add("one byte after the frame", [.. valid, 0x00], FrameError.TrailingBytes);
        data.Add("one byte after a tagged frame", [.. tagged, 0x00], FrameError.TrailingBytes);
        data.Add("two frames in one datagram", [.. valid, .. valid], FrameError.TrailingBytes);
        data.Add("three bytes with a wrong magic", [0x58, 0x59, 0x5A], FrameError.BadMagic);
        return data;
    }

    [Property(Arbitrary = [typeof(FrameGenerators)])]
    public void Encode_AnyValidFrame_DatagramDecodesToSameFields(FrameSpec spec)
    {
        var writer = new ArrayBufferWriter<byte>();

        var written = FrameCodec.Encode(spec.ToFrame(), writer);

        Assert.Equal(spec.EncodedSize, written);
        Assert.Equal(written, writer.WrittenCount);
        Assert.True(FrameCodec.TryDecodeDatagram(writer.WrittenMemory, out var frame, out var error), $"rejected: {error}");
        Assert.Equal(FrameError.None, error);
        AssertFrame(spec, frame);
    }

    [Property(Arbitrary = [typeof(FrameGenerators)])]
    public void Encode_IntoSpanAndIntoWriter_WriteSameBytes(FrameSpec spec)
    {
        var writer = new ArrayBufferWriter<byte>();
        FrameCodec.Encode(spec.ToFrame(), writer);
        var span = new byte[spec.EncodedSize + 3];

        var written = FrameCodec.Encode(spec.ToFrame(), span);

        Assert.Equal(spec.EncodedSize, written);
        Assert.Equal(writer.WrittenSpan.ToArray(), span[..written]);
        Assert.Equal(FrameError.None, FrameCodec.Validate(spec.ToFrame()));
    }

    [Property(Arbitrary = [typeof(FrameGenerators)])]
    public void TryDecode_ConcatenatedFramesSplitAnywhere_DecodesEachInTurn(StreamCase stream)
    {
        var input = BufferSegment.Split([.. stream.Frames.SelectMany(Encode)], stream.Cuts);

        foreach (var expected in stream.Frames)
        {
            Assert.True(FrameCodec.TryDecode(input, out var frame, out var consumed, out var error), $"rejected: {error}");
            Assert.Equal(expected.EncodedSize, input.Slice(input.Start, consumed).Length);
            AssertFrame(expected, frame);
            input = input.Slice(consumed);
        }

        Assert.True(input.IsEmpty);
    }

    [Fact]
    public void TryDecode_FrameInOneByteSegments_DecodesFrame()
    {
        var bytes = Encode(ReferenceFragment);
        var input = BufferSegment.Split(bytes, Enumerable.Range(1, bytes.Length - 1));

        Assert.True(FrameCodec.TryDecode(input, out var frame, out var consumed, out var error), $"rejected: {error}");
        Assert.Equal(input.End, consumed);
        AssertFrame(ReferenceFragment, frame);
    }

    [Fact]
    public void TryDecode_EveryProperPrefixOfFrame_ReturnsIncompleteAndConsumesNothing()
    {
        var bytes = Encode(ReferenceFragment);

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
    [MemberData(nameof(MalformedHeaders))]
    public void TryDecode_MalformedHeaderSplitAcrossSegments_RejectsTheSame(string defect, byte[] header, FrameError expected)
    {
        var input = BufferSegment.Split(header, [1, 7, 30, 45]);

        var decoded = FrameCodec.TryDecode(input, out _, out _, out var error);

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

    [Theory]
    [InlineData(FrameCodec.MinTimestampMicroseconds)]
    [InlineData(FrameCodec.MaxTimestampMicroseconds)]
    [InlineData(0L)]
    [InlineData(-1L)]
    public void TryDecodeDatagram_TimestampAtEdgeOfRange_IsAccepted(long timestamp)
    {
        Assert.True(FrameCodec.TryDecodeDatagram(Encode(Reference with { TimestampMicroseconds = timestamp }), out var frame, out var error), $"rejected: {error}");
        Assert.Equal(timestamp, frame.TimestampMicroseconds);
    }

    [Fact]
    public void TimestampRange_IsYearsOneToNineThousandNineHundredNinetyNine()
    {
        Assert.Equal(DateTimeOffset.MinValue, DateTimeOffset.UnixEpoch.AddTicks(FrameCodec.MinTimestampMicroseconds * TimeSpan.TicksPerMicrosecond));
        Assert.Equal(
            DateTimeOffset.MaxValue.UtcTicks / TimeSpan.TicksPerMicrosecond,
            DateTimeOffset.UnixEpoch.AddTicks(FrameCodec.MaxTimestampMicroseconds * TimeSpan.TicksPerMicrosecond).UtcTicks / TimeSpan.TicksPerMicrosecond);
    }

    [Fact]
    public void TryDecodeDatagram_LongerThanDefaultMaximum_ReturnsFrameTooLarge()
    {
        var length = PayloadLengthFor(FrameCodec.DefaultMaxFrameSize);
        var largest = Encode(Reference with { Payload = new byte[length], MessageLength = (uint)length });
        Assert.True(FrameCodec.TryDecodeDatagram(largest, out _, out _));

        var decoded = FrameCodec.TryDecodeDatagram((byte[])[.. largest, 0x00], out _, out var error);

        Assert.False(decoded);
        Assert.Equal(FrameError.FrameTooLarge, error);
    }

    [Theory]
    [InlineData(77, false, FrameError.FrameTooLarge)]
    [InlineData(78, true, FrameError.None)]
    [InlineData(79, true, FrameError.None)]
    public void TryDecodeDatagram_CustomMaximumAroundFrameSize_AcceptsUpToMaximum(int maxFrameSize, bool accepted, FrameError expected)
    {
        var datagram = Encode(Reference);
        Assert.Equal(78, datagram.Length);

        var decoded = FrameCodec.TryDecodeDatagram(datagram, out _, out var error, maxFrameSize);

        Assert.Equal(accepted, decoded);
        Assert.Equal(expected, error);
    }

    [Theory]
    [InlineData(85, false)]
    [InlineData(86, true)]
    public void TryDecode_TagCountsTowardMaximum_AcceptsUpToMaximum(int maxFrameSize, bool accepted)
    {
        var bytes = Encode(ReferenceFragment);
        Assert.Equal(86, bytes.Length);

        var decoded = FrameCodec.TryDecode(new ReadOnlySequence<byte>(bytes), out _, out _, out var error, maxFrameSize);

        Assert.Equal(accepted, decoded);
        Assert.Equal(accepted ? FrameError.None : FrameError.FrameTooLarge, error);
    }

    [Fact]
    public void TryDecode_AnnouncedFrameAboveCustomMaximum_ReturnsFrameTooLargeFromHeader()
    {
        var header = Encode(Reference)[..FrameCodec.HeaderSize];

        var decoded = FrameCodec.TryDecode(new ReadOnlySequence<byte>(header), out _, out _, out var error, maxFrameSize: 77);

        Assert.False(decoded);
        Assert.Equal(FrameError.FrameTooLarge, error);
    }

    public static TheoryData<string, GridCastFrame, FrameError> UndecodableFrames() => new()
    {
        { "the default frame", default, FrameError.UnknownFrameType },
        { "undefined frame type", Reference.ToFrame() with { Type = (FrameType)0x7F }, FrameError.UnknownFrameType },
        { "undefined flag", Reference.ToFrame() with { Flags = (FrameFlags)0x10 }, FrameError.UnknownFlags },
        { "undefined content type", Reference.ToFrame() with { ContentType = (ContentType)0x7F }, FrameError.UnknownContentType },
        { "empty group name", WithGroup([]).ToFrame(), FrameError.BadGroupNameLength },
        { "group name above the maximum", WithGroup([.. Enumerable.Repeat((byte)'a', FrameCodec.MaxGroupNameLength + 1)]).ToFrame(), FrameError.BadGroupNameLength },
        { "tag above the maximum", Reference.ToFrame() with { Tag = new byte[FrameCodec.MaxTagLength + 1] }, FrameError.BadTagLength },
        { "encrypted without a tag", Reference.ToFrame() with { Flags = FrameFlags.Encrypted }, FrameError.EncryptedWithoutTag },
        { "fragment count 0", Reference.ToFrame() with { FragmentCount = 0 }, FrameError.FragmentCountZero },
        { "fragment index 2 of 2", ReferenceFragment.ToFrame() with { FragmentIndex = 2, FragmentCount = 2 }, FrameError.FragmentIndexOutOfRange },
        { "message length below payload length", Reference.ToFrame() with { MessageLength = 4 }, FrameError.PayloadExceedsMessage },
        { "whole message longer than its payload", Reference.ToFrame() with { MessageLength = 6 }, FrameError.InconsistentFragment },
        { "empty fragment", ReferenceFragment.ToFrame() with { Payload = ReadOnlyMemory<byte>.Empty }, FrameError.InconsistentFragment },
        { "timestamp before year 1", Reference.ToFrame() with { TimestampMicroseconds = FrameCodec.MinTimestampMicroseconds - 1 }, FrameError.TimestampOutOfRange },
        { "group name not UTF-8", WithGroup([0x68, 0xFF]).ToFrame(), FrameError.GroupNameNotUtf8 },
    };

    // Encoding what every receiver would drop is our own misuse, so it throws instead.
    [Theory]
    [MemberData(nameof(UndecodableFrames))]
    public void Encode_FrameTheDecoderRejects_ThrowsArgumentExceptionNamingReason(string defect, GridCastFrame frame, FrameError reason)
    {
        var writer = new ArrayBufferWriter<byte>();

        var exception = Assert.Throws<ArgumentException>(() => FrameCodec.Encode(frame, writer));
        var spanException = Assert.Throws<ArgumentException>(() => FrameCodec.Encode(frame, new byte[FrameCodec.DefaultMaxFrameSize]));

        Assert.Equal("frame", exception.ParamName);
        Assert.Equal("frame", spanException.ParamName);
        Assert.Contains(reason.ToString(), exception.Message, StringComparison.Ordinal);
        Assert.Equal(reason, FrameCodec.Validate(frame));
        Assert.True(writer.WrittenCount == 0, defect);
    }

    [Fact]
    public void Encode_DestinationTooShort_ThrowsAndWritesNothing()
    {
        var destination = new byte[Reference.EncodedSize - 1];

        var exception = Assert.Throws<ArgumentException>(() => FrameCodec.Encode(Reference.ToFrame(), destination));

        Assert.Equal("destination", exception.ParamName);
        Assert.All(destination, b => Assert.Equal(0, b));
    }

    [Fact]
    public void Encode_FrameWithoutFragmentFields_IsOneWholeMessage()
    {
        var frame = new GridCastFrame
        {
            Type = FrameType.Data,
            Group = "ham:ip:239.0.0.1:9"u8.ToArray(),
            Sequence = 1,
            Payload = "xyz"u8.ToArray(),
        };
        var writer = new ArrayBufferWriter<byte>();

        FrameCodec.Encode(frame, writer);

        Assert.True(FrameCodec.TryDecodeDatagram(writer.WrittenMemory, out var decoded, out var error), $"rejected: {error}");
        Assert.Equal((ushort)0, decoded.FragmentIndex);
        Assert.Equal((ushort)1, decoded.FragmentCount);
        Assert.Equal(3u, decoded.MessageLength);
        Assert.False(decoded.IsFragment);
        Assert.True(decoded.Tag.IsEmpty);
    }

    [Fact]
    public void Encode_GroupOfMaxGroupNameLength_Succeeds()
    {
        var writer = new ArrayBufferWriter<byte>();
        var group = Enumerable.Repeat((byte)'a', FrameCodec.MaxGroupNameLength).ToArray();

        var written = FrameCodec.Encode(WithGroup(group).ToFrame(), writer);

        Assert.Equal(FrameCodec.HeaderSize + FrameCodec.MaxGroupNameLength + 5, written);
    }

    [Fact]
    public void Encode_TagOfMaxTagLength_RoundTrips()
    {
        var tag = Enumerable.Range(0, FrameCodec.MaxTagLength).Select(i => (byte)i).ToArray();
        var spec = Reference with { Flags = FrameFlags.Encrypted, Tag = tag };

        var bytes = Encode(spec);

        Assert.Equal(FrameCodec.HeaderSize + 23 + 5 + FrameCodec.MaxTagLength, bytes.Length);
        Assert.True(FrameCodec.TryDecodeDatagram(bytes, out var frame, out var error), $"rejected: {error}");
        AssertFrame(spec, frame);
    }

    [Theory]
    [InlineData(FrameCodec.DefaultMaxFrameSize, FrameCodec.DefaultMaxFrameSize + 1)]
    [InlineData(100, 101)]
    public void Encode_FrameOneByteAboveMaximum_ThrowsArgumentException(int maxFrameSize, int frameSize)
    {
        var writer = new ArrayBufferWriter<byte>();
        var length = PayloadLengthFor(frameSize);
        var spec = Reference with { Payload = new byte[length], MessageLength = (uint)length };

        var exception = Assert.Throws<ArgumentException>(() => FrameCodec.Encode(spec.ToFrame(), writer, maxFrameSize));

        Assert.Equal("frame", exception.ParamName);
        Assert.Contains(nameof(FrameError.FrameTooLarge), exception.Message, StringComparison.Ordinal);
        Assert.Equal(0, writer.WrittenCount);
    }

    [Theory]
    [InlineData(FrameCodec.DefaultMaxFrameSize)]
    [InlineData(100)]
    public void Encode_FrameOfExactlyMaximum_Succeeds(int maxFrameSize)
    {
        var writer = new ArrayBufferWriter<byte>();
        var length = PayloadLengthFor(maxFrameSize);
        var spec = Reference with { Payload = new byte[length], MessageLength = (uint)length };

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

    [Fact]
    public void Encode_ReferenceFragment_WritesGoldenBytes()
    {
        Assert.Equal(GoldenFragmentHex, Convert.ToHexString(Encode(ReferenceFragment)));
    }

    [Fact]
    public void TryDecodeDatagram_GoldenFragmentBytes_ReturnsReferenceFragment()
    {
        Assert.True(FrameCodec.TryDecodeDatagram(Convert.FromHexString(GoldenFragmentHex), out var frame, out var error), $"rejected: {error}");
        AssertFrame(ReferenceFragment, frame);
        Assert.True(frame.IsFragment);
    }

    // The hot paths of a receiver: a frame in one buffer is read in place.
    [Fact]
    public void TryDecodeDatagram_SingleBuffer_AllocatesNothing()
    {
        ReadOnlyMemory<byte> datagram = Encode(ReferenceFragment);

        var allocated = AllocatedBy(() => FrameCodec.TryDecodeDatagram(datagram, out _, out _));

        Assert.Equal(0, allocated);
    }

    [Fact]
    public void TryDecode_SingleSegment_AllocatesNothing()
    {
        var input = new ReadOnlySequence<byte>(Encode(ReferenceFragment));

        var allocated = AllocatedBy(() => FrameCodec.TryDecode(input, out _, out _, out _));

        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Encode_IntoSpan_AllocatesNothing()
    {
        var frame = ReferenceFragment.ToFrame();
        var destination = new byte[ReferenceFragment.EncodedSize];

        var allocated = AllocatedBy(() => FrameCodec.Encode(frame, destination));

        Assert.Equal(0, allocated);
    }

    /// <summary>Bytes this thread allocates over 1000 calls of <paramref name="action"/>, after a warm-up call.</summary>
    private static long AllocatedBy<T>(Func<T> action)
    {
        action();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            action();
        }

        return GC.GetAllocatedBytesForCurrentThread() - before;
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

    private static void WriteInt64(byte[] frame, int offset, long value) =>
        BinaryPrimitives.WriteInt64BigEndian(frame.AsSpan(offset), value);

    private static void AssertFrame(FrameSpec expected, GridCastFrame actual)
    {
        Assert.Equal(expected.Type, actual.Type);
        Assert.Equal(expected.Flags, actual.Flags);
        Assert.Equal(expected.ContentType, actual.ContentType);
        Assert.Equal(expected.SourceId, actual.SourceId);
        Assert.Equal(expected.Sequence, actual.Sequence);
        Assert.Equal(expected.TimestampMicroseconds, actual.TimestampMicroseconds);
        Assert.Equal(expected.FragmentIndex, actual.FragmentIndex);
        Assert.Equal(expected.FragmentCount, actual.FragmentCount);
        Assert.Equal(expected.MessageLength, actual.MessageLength);
        Assert.Equal(expected.Group.ToArray(), actual.Group.ToArray());
        Assert.Equal(expected.Payload.ToArray(), actual.Payload.ToArray());
        Assert.Equal(expected.Tag.ToArray(), actual.Tag.ToArray());
    }
}

/// <summary>The fields of a frame, as the property tests generate them.</summary>
public sealed record FrameSpec(
    FrameType Type,
    FrameFlags Flags,
    ContentType ContentType,
    ulong SourceId,
    ulong Sequence,
    long TimestampMicroseconds,
    ushort FragmentIndex,
    ushort FragmentCount,
    uint MessageLength,
    ReadOnlyMemory<byte> Group,
    ReadOnlyMemory<byte> Payload,
    ReadOnlyMemory<byte> Tag)
{
    public int EncodedSize => FrameCodec.GetEncodedSize(Group.Length, Payload.Length, Tag.Length);

    public GridCastFrame ToFrame() => new()
    {
        Type = Type,
        Flags = Flags,
        ContentType = ContentType,
        Group = Group,
        SourceId = SourceId,
        Sequence = Sequence,
        TimestampMicroseconds = TimestampMicroseconds,
        FragmentIndex = FragmentIndex,
        FragmentCount = FragmentCount,
        MessageLength = MessageLength,
        Payload = Payload,
        Tag = Tag,
    };

    /// <summary>A counterexample FsCheck can print: the scalar fields, the lengths and the start of each byte field.</summary>
    public override string ToString() =>
        $"{Type} [{Flags}] {ContentType}, source {SourceId:X16}, sequence {Sequence}, timestamp {TimestampMicroseconds}, " +
        $"fragment {FragmentIndex}/{FragmentCount} of {MessageLength} bytes, " +
        $"group {Group.Length} bytes {Convert.ToHexString(Group.Span[..Math.Min(Group.Length, 32)])}, " +
        $"payload {Payload.Length} bytes {Convert.ToHexString(Payload.Span[..Math.Min(Payload.Length, 32)])}, " +
        $"tag {Tag.Length} bytes";
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

    /// <summary>Timestamps across the whole valid range, its ends included.</summary>
    private static readonly Gen<long> AnyTimestamp = Gen.Frequency(
        (1, Gen.Elements(FrameCodec.MinTimestampMicroseconds, -1L, 0L, FrameCodec.MaxTimestampMicroseconds)),
        (9, AnyUInt64.Select(v => FrameCodec.MinTimestampMicroseconds + (long)(v % (ulong)(FrameCodec.MaxTimestampMicroseconds - FrameCodec.MinTimestampMicroseconds + 1)))));

    public static Arbitrary<FrameSpec> Frames() => Arb.From(FrameOf(maxPayload: 4000));

    public static Arbitrary<StreamCase> Streams() => Arb.From(
        from count in Gen.Choose(1, 5)
        from frames in FrameOf(maxPayload: 300).ArrayOf(count)
        let total = frames.Sum(f => f.EncodedSize)
        from cutCount in Gen.Choose(1, 16)
        from cuts in Gen.Choose(1, total - 1).ArrayOf(cutCount)
        select new StreamCase([.. frames], [.. cuts.Distinct().Order()]));

    private static Gen<FrameSpec> FrameOf(int maxPayload) =>
        from type in Gen.Elements(Enum.GetValues<FrameType>())
        from flags in Gen.Choose(0, 15).Select(f => (FrameFlags)f)
        from contentType in Gen.Elements(Enum.GetValues<ContentType>())
        from sourceId in AnyUInt64
        from sequence in AnyUInt64
        from timestamp in AnyTimestamp
        from fragment in Fragment(maxPayload)
        from groupName in GroupName()
        from payload in AnyByte.ArrayOf(fragment.PayloadLength)
        from tagLength in (flags & FrameFlags.Encrypted) != 0
            ? Gen.Frequency((9, Gen.Choose(1, 64)), (1, Gen.Constant(FrameCodec.MaxTagLength)))
            : Gen.Frequency((4, Gen.Constant(0)), (4, Gen.Choose(1, 64)), (1, Gen.Constant(FrameCodec.MaxTagLength)))
        from tag in AnyByte.ArrayOf(tagLength)
        select new FrameSpec(type, flags, contentType, sourceId, sequence, timestamp, fragment.Index, fragment.Count, fragment.MessageLength, groupName, payload, tag);

    /// <summary>
    /// Fragment fields that obey the layout rule: whole messages of 0..maxPayload bytes, and
    /// fragments (first, middle or last) of messages cut into 2..65535 pieces.
    /// </summary>
    private static Gen<(ushort Index, ushort Count, uint MessageLength, int PayloadLength)> Fragment(int maxPayload) => Gen.Frequency(
        (1, Gen.Frequency((1, Gen.Constant(0)), (9, Gen.Choose(0, maxPayload))).Select(p => ((ushort)0, (ushort)1, (uint)p, p))),
        (1,
            from count in Gen.Frequency((6, Gen.Choose(2, 10)), (1, Gen.Constant((int)ushort.MaxValue)), (2, Gen.Choose(2, ushort.MaxValue)))
            from size in Gen.Choose(1, maxPayload)
            from last in Gen.Choose(1, size)
            from index in Gen.Frequency((1, Gen.Elements(0, count - 1)), (2, Gen.Choose(0, count - 1)))
            select ((ushort)index, (ushort)count, (uint)(((long)(count - 1) * size) + last), index == count - 1 ? last : size)));

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
