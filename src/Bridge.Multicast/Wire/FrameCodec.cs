using System.Buffers;
using System.Buffers.Binary;
using System.Text.Unicode;

namespace Bridge.Multicast.Wire;

/// <summary>
/// Encodes and decodes GridCast frames, version 1 (docs/wire-format.md). Pure: no I/O, no clock.
/// </summary>
/// <remarks>
/// Version 1 layout; all integers big-endian (network order):
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +---------------+---------------+---------------+---------------+
/// |  magic 0x47   |  magic 0x43   |  version (1)  |  frame type   |  0
/// +---------------+---------------+---------------+---------------+
/// |     flags     | content type  |      group name length G      |  4
/// +---------------+---------------+-------------------------------+
/// |              group hash: FNV-1a 32 of the group name          |  8
/// +---------------------------------------------------------------+
/// |                         source id (64)                        | 12
/// +                                                               +
/// |                                                               |
/// +---------------------------------------------------------------+
/// |                      sequence number (64)                     | 20
/// +                                                               +
/// |                                                               |
/// +---------------------------------------------------------------+
/// |          timestamp: microseconds since the Unix epoch         | 28
/// +                                                               +
/// |                                                               |
/// +---------------------------------------------------------------+
/// |                      payload length P (32)                    | 36
/// +---------------------------------------------------------------+
/// |            group name: G bytes, UTF-8 canonical ham: URI      | 40
/// +---------------------------------------------------------------+
/// |                       payload: P bytes                        | 40+G
/// +---------------------------------------------------------------+
/// </code>
/// Sizes are checked against the maximum frame size before anything past the header is read,
/// so an announced length can never make a reader buffer more than that maximum.
/// </remarks>
public static class FrameCodec
{
    /// <summary>Bytes before the group name.</summary>
    public const int HeaderSize = 40;

    /// <summary>Protocol version written and read.</summary>
    public const byte Version = 1;

    /// <summary>The largest group name, in UTF-8 bytes.</summary>
    public const int MaxGroupNameLength = 1024;

    /// <summary>The largest UDP payload over IPv4 (65535 - 20 - 8): the default frame size limit.</summary>
    public const int DefaultMaxFrameSize = 65507;

    private const byte Magic0 = 0x47;
    private const byte Magic1 = 0x43;

    /// <summary>The encoded size of a frame with these group and payload lengths.</summary>
    public static int GetEncodedSize(int groupLength, int payloadLength) => HeaderSize + groupLength + payloadLength;

    /// <summary>Writes <paramref name="frame"/> to <paramref name="writer"/>; returns the bytes written.</summary>
    /// <exception cref="ArgumentException">
    /// The frame is one <see cref="TryDecode"/> would reject: an undefined type, flag or content
    /// type, an empty, oversized or non-UTF-8 group name, or a frame above <paramref name="maxFrameSize"/>.
    /// </exception>
    public static int Encode(in GridCastFrame frame, IBufferWriter<byte> writer, int maxFrameSize = DefaultMaxFrameSize)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var group = frame.Group.Span;
        if (!Enum.IsDefined(frame.Type) || frame.Flags != FrameFlags.None || !Enum.IsDefined(frame.ContentType))
        {
            throw new ArgumentException($"frame type {frame.Type}, flags {frame.Flags} or content type {frame.ContentType} is not defined in version {Version}", nameof(frame));
        }

        if (group.Length is 0 or > MaxGroupNameLength)
        {
            throw new ArgumentException($"group name length {group.Length} is outside 1..{MaxGroupNameLength}", nameof(frame));
        }

        if (!Utf8.IsValid(group))
        {
            throw new ArgumentException("group name is not valid UTF-8", nameof(frame));
        }

        var size = (long)HeaderSize + group.Length + frame.Payload.Length;
        if (size > maxFrameSize)
        {
            throw new ArgumentException($"frame of {size} bytes exceeds the maximum of {maxFrameSize}", nameof(frame));
        }

        var span = writer.GetSpan((int)size);
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
        BinaryPrimitives.WriteUInt32BigEndian(span[36..], (uint)frame.Payload.Length);
        group.CopyTo(span[HeaderSize..]);
        frame.Payload.Span.CopyTo(span[(HeaderSize + group.Length)..]);
        writer.Advance((int)size);
        return (int)size;
    }

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
            // Reject a wrong magic or version as soon as those bytes are here, not only later.
            error = CheckPrefix(input);
            if (error == FrameError.None)
            {
                error = FrameError.Incomplete;
            }

            return false;
        }

        Span<byte> header = stackalloc byte[HeaderSize];
        input.Slice(0, HeaderSize).CopyTo(header);
        error = ValidateHeader(header, maxFrameSize, out var groupLength, out var payloadLength);
        if (error != FrameError.None)
        {
            return false;
        }

        var total = HeaderSize + groupLength + payloadLength;
        if (input.Length < total)
        {
            error = FrameError.Incomplete;
            return false;
        }

        var body = input.Slice(HeaderSize, groupLength + payloadLength);
        var bodyMemory = body.IsSingleSegment ? body.First : body.ToArray();
        var group = bodyMemory[..groupLength];
        if (GroupHash.Compute(group.Span) != BinaryPrimitives.ReadUInt32BigEndian(header[8..]))
        {
            error = FrameError.GroupHashMismatch;
            return false;
        }

        if (!Utf8.IsValid(group.Span))
        {
            error = FrameError.GroupNameNotUtf8;
            return false;
        }

        frame = new GridCastFrame
        {
            Type = (FrameType)header[3],
            Flags = (FrameFlags)header[4],
            ContentType = (ContentType)header[5],
            Group = group,
            SourceId = BinaryPrimitives.ReadUInt64BigEndian(header[12..]),
            Sequence = BinaryPrimitives.ReadUInt64BigEndian(header[20..]),
            TimestampMicroseconds = BinaryPrimitives.ReadInt64BigEndian(header[28..]),
            Payload = bodyMemory[groupLength..],
        };
        consumed = input.GetPosition(total);
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
        if (datagram.Length > maxFrameSize)
        {
            frame = default;
            error = FrameError.FrameTooLarge;
            return false;
        }

        var sequence = new ReadOnlySequence<byte>(datagram);
        if (!TryDecode(sequence, out frame, out var consumed, out error, maxFrameSize))
        {
            if (error == FrameError.Incomplete)
            {
                error = FrameError.Truncated;
            }

            return false;
        }

        if (!consumed.Equals(sequence.End))
        {
            frame = default;
            error = FrameError.TrailingBytes;
            return false;
        }

        return true;
    }

    private static FrameError CheckPrefix(in ReadOnlySequence<byte> input)
    {
        Span<byte> prefix = stackalloc byte[3];
        var available = (int)Math.Min(input.Length, prefix.Length);
        input.Slice(0, available).CopyTo(prefix);
        ReadOnlySpan<byte> expected = [Magic0, Magic1, Version];
        for (var i = 0; i < available; i++)
        {
            if (prefix[i] != expected[i])
            {
                return i < 2 ? FrameError.BadMagic : FrameError.UnsupportedVersion;
            }
        }

        return FrameError.None;
    }

    private static FrameError ValidateHeader(ReadOnlySpan<byte> header, int maxFrameSize, out int groupLength, out int payloadLength)
    {
        groupLength = 0;
        payloadLength = 0;
        if (header[0] != Magic0 || header[1] != Magic1)
        {
            return FrameError.BadMagic;
        }

        if (header[2] != Version)
        {
            return FrameError.UnsupportedVersion;
        }

        if (!Enum.IsDefined((FrameType)header[3]))
        {
            return FrameError.UnknownFrameType;
        }

        if (header[4] != (byte)FrameFlags.None)
        {
            return FrameError.UnknownFlags;
        }

        if (!Enum.IsDefined((ContentType)header[5]))
        {
            return FrameError.UnknownContentType;
        }

        groupLength = BinaryPrimitives.ReadUInt16BigEndian(header[6..]);
        if (groupLength is 0 or > MaxGroupNameLength)
        {
            return FrameError.BadGroupNameLength;
        }

        var announcedPayload = BinaryPrimitives.ReadUInt32BigEndian(header[36..]);
        if ((long)HeaderSize + groupLength + announcedPayload > maxFrameSize)
        {
            return FrameError.FrameTooLarge;
        }

        payloadLength = (int)announcedPayload;
        return FrameError.None;
    }
}
