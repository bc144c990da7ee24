using System.Buffers;
using System.Buffers.Binary;
using System.Text.Unicode;

namespace Bridge.Multicast.Wire;

/// <summary>
/// Encodes and decodes GridCast frames, version 1 (docs/wire-format.md). Pure: no I/O, no clock.
/// </summary>
/// <remarks>
/// <para>
/// The encoder refuses (with <see cref="ArgumentException"/>) every frame the decoder would
/// reject, so a frame that leaves this process is one every version 1 reader accepts. Both sides
/// check with the same code (<see cref="Validate"/>).
/// </para>
/// <para>
/// Decoding a frame that lies in one buffer allocates nothing: the frame's group, payload and tag
/// are slices of the input. Only a frame split across segments of a stream is copied.
/// </para>
/// </remarks>
public static class FrameCodec
{
    /// <summary>Bytes before the group name.</summary>
    public const int HeaderSize = 50;

    /// <summary>Protocol version written and read.</summary>
    public const byte Version = 1;

    /// <summary>The largest group name, in UTF-8 bytes.</summary>
    public const int MaxGroupNameLength = 1024;

    /// <summary>The largest authentication tag: room for a 4096-bit RSA signature; MACs and Ed25519 need 16 to 64.</summary>
    public const int MaxTagLength = 512;

    /// <summary>The largest UDP payload over IPv4 (65535 - 20 - 8): the default frame size limit.</summary>
    public const int DefaultMaxFrameSize = 65507;

    /// <summary>The smallest frame: a header and a one-byte group name.</summary>
    public const int MinFrameSize = HeaderSize + 1;

    /// <summary>The earliest timestamp a frame may carry: 0001-01-01T00:00:00Z, in microseconds since the Unix epoch.</summary>
    public const long MinTimestampMicroseconds = -62_135_596_800_000_000;

    /// <summary>The latest timestamp a frame may carry: the last microsecond of 9999-12-31 UTC.</summary>
    public const long MaxTimestampMicroseconds = 253_402_300_799_999_999;

    private const byte Magic0 = 0x47;
    private const byte Magic1 = 0x43;
    private const byte DefinedFlags = (byte)(FrameFlags.Retransmission | FrameFlags.Encrypted | FrameFlags.LastValue | FrameFlags.Relayed);

    /// <summary>The encoded size of a frame with these group, payload and tag lengths.</summary>
    public static int GetEncodedSize(int groupLength, int payloadLength, int tagLength = 0) =>
        HeaderSize + groupLength + payloadLength + tagLength;

    /// <summary>The encoded size of <paramref name="frame"/>.</summary>
    public static int GetEncodedSize(in GridCastFrame frame) =>
        GetEncodedSize(frame.Group.Length, frame.Payload.Length, frame.Tag.Length);

    /// <summary>
    /// Checks <paramref name="frame"/> as the decoder would check it after decoding (all but the
    /// group hash, which the encoder computes): returns <see cref="FrameError.None"/> or the
    /// reason a receiver would reject it.
    /// </summary>
    public static FrameError Validate(in GridCastFrame frame, int maxFrameSize = DefaultMaxFrameSize)
    {
        var error = ValidateFields(
            (byte)frame.Type,
            (byte)frame.Flags,
            (byte)frame.ContentType,
            frame.Group.Length,
            frame.Tag.Length,
            (uint)frame.Payload.Length,
            frame.MessageLength,
            frame.FragmentIndex,
            frame.FragmentCount,
            frame.TimestampMicroseconds,
            maxFrameSize);
        if (error == FrameError.None && !Utf8.IsValid(frame.Group.Span))
        {
            error = FrameError.GroupNameNotUtf8;
        }

        return error;
    }

    /// <summary>Writes <paramref name="frame"/> to <paramref name="writer"/>; returns the bytes written.</summary>
    /// <exception cref="ArgumentException">
    /// The frame is one <see cref="TryDecode"/> would reject (<see cref="Validate"/> names why);
    /// nothing is written then.
    /// </exception>
    public static int Encode(in GridCastFrame frame, IBufferWriter<byte> writer, int maxFrameSize = DefaultMaxFrameSize)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ThrowIfInvalid(frame, maxFrameSize);
        var size = GetEncodedSize(frame);
        WriteValidated(frame, writer.GetSpan(size));
        writer.Advance(size);
        return size;
    }

    /// <summary>Writes <paramref name="frame"/> to the start of <paramref name="destination"/>; returns the bytes written.</summary>
    /// <exception cref="ArgumentException">
    /// The frame is one <see cref="TryDecode"/> would reject, or <paramref name="destination"/>
    /// is shorter than <see cref="GetEncodedSize(in GridCastFrame)"/>; nothing is written then.
    /// </exception>
    public static int Encode(in GridCastFrame frame, Span<byte> destination, int maxFrameSize = DefaultMaxFrameSize)
    {
        ThrowIfInvalid(frame, maxFrameSize);
        var size = GetEncodedSize(frame);
        if (destination.Length < size)
        {
            throw new ArgumentException($"the frame needs {size} bytes, the destination has {destination.Length}", nameof(destination));
        }

        WriteValidated(frame, destination);
        return size;
    }

    // Version 1 layout; all integers big-endian (network order), docs/wire-format.md §3:
    //
    //  0                   1                   2                   3
    //  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    // +---------------+---------------+---------------+---------------+
    // |  magic 0x47   |  magic 0x43   |  version (1)  |  frame type   |  0
    // +---------------+---------------+---------------+---------------+
    // |     flags     | content type  |      group name length G      |  4
    // +---------------+---------------+-------------------------------+
    // |              group hash: FNV-1a 32 of the group name          |  8
    // +---------------------------------------------------------------+
    // |                         source id (64)                        | 12
    // +                                                               +
    // |                                                               |
    // +---------------------------------------------------------------+
    // |                      sequence number (64)                     | 20
    // +                                                               +
    // |                                                               |
    // +---------------------------------------------------------------+
    // |     timestamp: microseconds since the Unix epoch (signed 64)  | 28
    // +                                                               +
    // |                                                               |
    // +---------------------------------------------------------------+
    // |                      payload length P (32)                    | 36
    // +---------------------------------------------------------------+
    // |                 message length L (32): whole message          | 40
    // +-------------------------------+-------------------------------+
    // |      fragment index (16)      |      fragment count (16)      | 44
    // +-------------------------------+-------------------------------+
    // |        tag length T (16)      |   group name: G bytes, UTF-8  | 48
    // +-------------------------------+                               +
    // |                         ... group name                        |
    // +---------------------------------------------------------------+
    // |                       payload: P bytes                        | 50+G
    // +---------------------------------------------------------------+
    // |              authentication tag: T bytes (opaque)             | 50+G+P
    // +---------------------------------------------------------------+
    //
    // Every size is checked against the maximum frame size from the header alone, before anything
    // past the header is read, so an announced length can never make a reader buffer more.

    /// <summary>
    /// Decodes one frame from the start of <paramref name="input"/> (a stream reader's buffer).
    /// Returns false with <see cref="FrameError.Incomplete"/> when more bytes are needed, or with
    /// another error when the bytes are not a valid frame.
    /// </summary>
    public static bool TryDecode(
        in ReadOnlySequence<byte> input,
        out GridCastFrame frame,
        out SequencePosition consumed,
        out FrameError error,
        int maxFrameSize = DefaultMaxFrameSize)
    {
        frame = default;
        consumed = input.Start;
        if (input.Length < HeaderSize)
        {
            error = CheckPrefixOfShortInput(input);
            return false;
        }

        // The header is read in place when the first segment holds it, else from a copy.
        Span<byte> copy = stackalloc byte[HeaderSize];
        ReadOnlySpan<byte> header = copy;
        if (input.FirstSpan.Length >= HeaderSize)
        {
            header = input.FirstSpan[..HeaderSize];
        }
        else
        {
            input.Slice(0, HeaderSize).CopyTo(copy);
        }

        error = ValidateHeader(header, maxFrameSize, out var lengths);
        if (error != FrameError.None)
        {
            return false;
        }

        if (input.Length < lengths.Frame)
        {
            error = FrameError.Incomplete;
            return false;
        }

        var body = input.Slice(HeaderSize, lengths.Frame - HeaderSize);
        var bodyMemory = body.IsSingleSegment ? body.First : body.ToArray();
        if (!TryReadBody(header, bodyMemory, lengths, out frame, out error))
        {
            return false;
        }

        consumed = input.GetPosition(lengths.Frame);
        return true;
    }

    /// <summary>
    /// Decodes a datagram that must hold exactly one frame: a short datagram is
    /// <see cref="FrameError.Truncated"/>, extra bytes are <see cref="FrameError.TrailingBytes"/>.
    /// </summary>
    public static bool TryDecodeDatagram(
        ReadOnlyMemory<byte> datagram,
        out GridCastFrame frame,
        out FrameError error,
        int maxFrameSize = DefaultMaxFrameSize)
    {
        frame = default;
        if (datagram.Length > maxFrameSize)
        {
            error = FrameError.FrameTooLarge;
            return false;
        }

        var span = datagram.Span;
        if (span.Length < HeaderSize)
        {
            error = CheckPrefix(span);
            if (error == FrameError.None)
            {
                error = FrameError.Truncated;
            }

            return false;
        }

        var header = span[..HeaderSize];
        error = ValidateHeader(header, maxFrameSize, out var lengths);
        if (error != FrameError.None)
        {
            return false;
        }

        if (span.Length < lengths.Frame)
        {
            error = FrameError.Truncated;
            return false;
        }

        if (!TryReadBody(header, datagram[HeaderSize..lengths.Frame], lengths, out frame, out error))
        {
            return false;
        }

        if (span.Length > lengths.Frame)
        {
            frame = default;
            error = FrameError.TrailingBytes;
            return false;
        }

        return true;
    }

    private static void ThrowIfInvalid(in GridCastFrame frame, int maxFrameSize)
    {
        var error = Validate(frame, maxFrameSize);
        if (error != FrameError.None)
        {
            throw new ArgumentException(
                $"a frame every receiver would reject ({error}): type {frame.Type}, flags {frame.Flags}, content type {frame.ContentType}, " +
                $"group {frame.Group.Length} bytes, payload {frame.Payload.Length} bytes, tag {frame.Tag.Length} bytes, " +
                $"fragment {frame.FragmentIndex} of {frame.FragmentCount}, message {frame.MessageLength} bytes, " +
                $"timestamp {frame.TimestampMicroseconds} us, maximum frame {maxFrameSize} bytes",
                nameof(frame));
        }
    }

    private static void WriteValidated(in GridCastFrame frame, Span<byte> span)
    {
        var group = frame.Group.Span;
        var payload = frame.Payload.Span;
        var tag = frame.Tag.Span;
        span[0] = Magic0;
        span[1] = Magic1;
        span[2] = Version;
        span[3] = (byte)frame.Type;
        span[4] = (byte)frame.Flags;
        span[5] = (byte)frame.ContentType;
        BinaryPrimitives.WriteUInt16BigEndian(span[6..], (ushort)group.Length);
        BinaryPrimitives.WriteUInt32BigEndian(span[8..], GroupHash.Compute(group));
        BinaryPrimitives.WriteUInt64BigEndian(span[12..], frame.SourceId);
        BinaryPrimitives.WriteUInt64BigEndian(span[20..], frame.Sequence);
        BinaryPrimitives.WriteInt64BigEndian(span[28..], frame.TimestampMicroseconds);
        BinaryPrimitives.WriteUInt32BigEndian(span[36..], (uint)payload.Length);
        BinaryPrimitives.WriteUInt32BigEndian(span[40..], frame.MessageLength);
        BinaryPrimitives.WriteUInt16BigEndian(span[44..], frame.FragmentIndex);
        BinaryPrimitives.WriteUInt16BigEndian(span[46..], frame.FragmentCount);
        BinaryPrimitives.WriteUInt16BigEndian(span[48..], (ushort)tag.Length);
        group.CopyTo(span[HeaderSize..]);
        payload.CopyTo(span[(HeaderSize + group.Length)..]);
        tag.CopyTo(span[(HeaderSize + group.Length + payload.Length)..]);
    }

    /// <summary>Checks the fixed header (<see cref="HeaderSize"/> bytes) field by field.</summary>
    private static FrameError ValidateHeader(ReadOnlySpan<byte> header, int maxFrameSize, out BodyLengths lengths)
    {
        lengths = default;
        if (header[0] != Magic0 || header[1] != Magic1)
        {
            return FrameError.BadMagic;
        }

        if (header[2] != Version)
        {
            return FrameError.UnsupportedVersion;
        }

        int groupLength = BinaryPrimitives.ReadUInt16BigEndian(header[6..]);
        var payloadLength = BinaryPrimitives.ReadUInt32BigEndian(header[36..]);
        int tagLength = BinaryPrimitives.ReadUInt16BigEndian(header[48..]);
        var error = ValidateFields(
            type: header[3],
            flags: header[4],
            contentType: header[5],
            groupLength,
            tagLength,
            payloadLength,
            messageLength: BinaryPrimitives.ReadUInt32BigEndian(header[40..]),
            fragmentIndex: BinaryPrimitives.ReadUInt16BigEndian(header[44..]),
            fragmentCount: BinaryPrimitives.ReadUInt16BigEndian(header[46..]),
            timestampMicroseconds: BinaryPrimitives.ReadInt64BigEndian(header[28..]),
            maxFrameSize);
        if (error == FrameError.None)
        {
            // ValidateFields bounded the total by maxFrameSize, an int: every length fits.
            lengths = new BodyLengths(groupLength, (int)payloadLength, tagLength);
        }

        return error;
    }

    /// <summary>
    /// The header checks shared by encoder and decoder, in the order docs/wire-format.md §8 gives.
    /// Lengths come first, so an oversized frame is named as such whatever else is wrong with it.
    /// </summary>
    private static FrameError ValidateFields(
        byte type,
        byte flags,
        byte contentType,
        int groupLength,
        int tagLength,
        uint payloadLength,
        uint messageLength,
        ushort fragmentIndex,
        ushort fragmentCount,
        long timestampMicroseconds,
        int maxFrameSize)
    {
        if (type is < (byte)FrameType.Data or > (byte)FrameType.Reply)
        {
            return FrameError.UnknownFrameType;
        }

        if ((flags & ~DefinedFlags) != 0)
        {
            return FrameError.UnknownFlags;
        }

        if (contentType > (byte)ContentType.GooseApdu)
        {
            return FrameError.UnknownContentType;
        }

        if (groupLength is 0 or > MaxGroupNameLength)
        {
            return FrameError.BadGroupNameLength;
        }

        if (tagLength > MaxTagLength)
        {
            return FrameError.BadTagLength;
        }

        if ((long)HeaderSize + groupLength + payloadLength + tagLength > maxFrameSize)
        {
            return FrameError.FrameTooLarge;
        }

        if ((flags & (byte)FrameFlags.Encrypted) != 0 && tagLength == 0)
        {
            return FrameError.EncryptedWithoutTag;
        }

        var fragmentError = FragmentLayout.TryDescribe(fragmentIndex, fragmentCount, payloadLength, messageLength, out _);
        if (fragmentError != FrameError.None)
        {
            return fragmentError;
        }

        if (timestampMicroseconds is < MinTimestampMicroseconds or > MaxTimestampMicroseconds)
        {
            return FrameError.TimestampOutOfRange;
        }

        return FrameError.None;
    }

    /// <summary>Checks what needs the body (hash, then UTF-8) and builds the frame over <paramref name="body"/>.</summary>
    private static bool TryReadBody(ReadOnlySpan<byte> header, ReadOnlyMemory<byte> body, BodyLengths lengths, out GridCastFrame frame, out FrameError error)
    {
        frame = default;
        var group = body[..lengths.Group];
        var groupSpan = group.Span;
        if (GroupHash.Compute(groupSpan) != BinaryPrimitives.ReadUInt32BigEndian(header[8..]))
        {
            error = FrameError.GroupHashMismatch;
            return false;
        }

        if (!Utf8.IsValid(groupSpan))
        {
            error = FrameError.GroupNameNotUtf8;
            return false;
        }

        var tagStart = lengths.Group + lengths.Payload;
        frame = new GridCastFrame
        {
            Type = (FrameType)header[3],
            Flags = (FrameFlags)header[4],
            ContentType = (ContentType)header[5],
            Group = group,
            SourceId = BinaryPrimitives.ReadUInt64BigEndian(header[12..]),
            Sequence = BinaryPrimitives.ReadUInt64BigEndian(header[20..]),
            TimestampMicroseconds = BinaryPrimitives.ReadInt64BigEndian(header[28..]),
            MessageLength = BinaryPrimitives.ReadUInt32BigEndian(header[40..]),
            FragmentIndex = BinaryPrimitives.ReadUInt16BigEndian(header[44..]),
            FragmentCount = BinaryPrimitives.ReadUInt16BigEndian(header[46..]),
            Payload = body[lengths.Group..tagStart],
            Tag = body.Slice(tagStart, lengths.Tag),
        };
        error = FrameError.None;
        return true;
    }

    /// <summary>Input shorter than a header: reject a wrong magic or version as soon as those bytes are here.</summary>
    private static FrameError CheckPrefixOfShortInput(in ReadOnlySequence<byte> input)
    {
        Span<byte> prefix = stackalloc byte[3];
        var available = (int)Math.Min(input.Length, prefix.Length);
        input.Slice(0, available).CopyTo(prefix);
        var error = CheckPrefix(prefix[..available]);
        return error == FrameError.None ? FrameError.Incomplete : error;
    }

    private static FrameError CheckPrefix(ReadOnlySpan<byte> input)
    {
        ReadOnlySpan<byte> expected = [Magic0, Magic1, Version];
        var available = Math.Min(input.Length, expected.Length);
        for (var i = 0; i < available; i++)
        {
            if (input[i] != expected[i])
            {
                return i < 2 ? FrameError.BadMagic : FrameError.UnsupportedVersion;
            }
        }

        return FrameError.None;
    }

    /// <summary>The lengths of the parts after the header, all validated against the maximum frame size.</summary>
    private readonly record struct BodyLengths(int Group, int Payload, int Tag)
    {
        public int Frame => HeaderSize + Group + Payload + Tag;
    }
}
