using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using Bridge.Multicast.Wire;

namespace Bridge.Multicast.Aggregation;

/// <summary>
/// Encodes and decodes the payload of a <see cref="FrameType.Reply"/> frame, version 1
/// (docs/wire-format.md §5.1.7): one member's answer, sent on its own domain only. Pure.
/// </summary>
public static class ReplyCodec
{
    /// <summary>Version written and read.</summary>
    public const byte Version = 1;

    /// <summary>Bytes before the opaque data.</summary>
    public const int FixedSize = 26;

    /// <summary>The largest reply.</summary>
    public const int MaxEncodedSize = FixedSize + Reply.MaxDataLength;

    /// <summary>The encoded size of <paramref name="reply"/>, after checking it.</summary>
    /// <exception cref="ArgumentException">A receiver would reject the reply.</exception>
    public static int GetEncodedSize(Reply reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        var error = reply.Validate();
        return error == AggregationError.None
            ? FixedSize + reply.Data.Length
            : throw new ArgumentException($"Reply of member {reply.MemberId} is not valid: {error}.", nameof(reply));
    }

    /// <summary>Writes <paramref name="reply"/>; writes nothing and throws when a receiver would reject it.</summary>
    /// <exception cref="ArgumentException">A receiver would reject the reply.</exception>
    public static void Encode(Reply reply, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var size = GetEncodedSize(reply);
        var span = output.GetSpan(size)[..size];
        span[0] = Version;
        span[1] = (byte)reply.Data.Length;
        BinaryPrimitives.WriteUInt64BigEndian(span[2..], reply.RequestId);
        BinaryPrimitives.WriteUInt64BigEndian(span[10..], reply.MemberId);
        BinaryPrimitives.WriteDoubleBigEndian(span[18..], reply.Value);
        reply.Data.Span.CopyTo(span[FixedSize..]);
        output.Advance(size);
    }

    /// <summary>Encodes <paramref name="reply"/> into a new array.</summary>
    /// <exception cref="ArgumentException">A receiver would reject the reply.</exception>
    public static byte[] Encode(Reply reply)
    {
        var buffer = new ArrayBufferWriter<byte>(GetEncodedSize(reply));
        Encode(reply, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Decodes one reply that fills <paramref name="input"/> exactly; never throws. The data is copied.</summary>
    /// <remarks>
    /// <code>
    ///  0                   1                   2                   3
    ///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    /// +---------------+---------------+-------------------------------+
    /// |  version = 1  | data length D |  request id (64) ...          |
    /// +---------------+---------------+-------------------------------+
    /// |  ... request id                                               |
    /// +-------------------------------+-------------------------------+
    /// |  ... request id               |  member id (64) ...           |
    /// +-------------------------------+-------------------------------+
    /// |  ... member id                                                |
    /// +-------------------------------+-------------------------------+
    /// |  ... member id                |  value (IEEE 754 double) ...  |
    /// +-------------------------------+-------------------------------+
    /// |  ... value                                                    |
    /// +-------------------------------+-------------------------------+
    /// |  ... value                    |  data: D bytes ...
    /// +-------------------------------+
    /// </code>
    /// </remarks>
    public static bool TryDecode(ReadOnlySpan<byte> input, [NotNullWhen(true)] out Reply? reply, out AggregationError reason)
    {
        reply = null;
        if (input.Length > MaxEncodedSize)
        {
            reason = AggregationError.TooLarge;
            return false;
        }

        if (input.Length < FixedSize)
        {
            reason = AggregationError.Truncated;
            return false;
        }

        if (input[0] != Version)
        {
            reason = AggregationError.UnsupportedVersion;
            return false;
        }

        int dataLength = input[1];
        if (input.Length != FixedSize + dataLength)
        {
            reason = input.Length < FixedSize + dataLength ? AggregationError.Truncated : AggregationError.TrailingBytes;
            return false;
        }

        var value = BinaryPrimitives.ReadDoubleBigEndian(input[18..]);
        reason = ValueUnits.Check(value);
        if (reason != AggregationError.None)
        {
            return false;
        }

        reply = new Reply(
            BinaryPrimitives.ReadUInt64BigEndian(input[2..]),
            BinaryPrimitives.ReadUInt64BigEndian(input[10..]),
            value,
            dataLength == 0 ? ReadOnlyMemory<byte>.Empty : input[FixedSize..].ToArray());
        return true;
    }
}
