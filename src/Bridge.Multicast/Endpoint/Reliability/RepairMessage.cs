using System.Buffers.Binary;

namespace Bridge.Multicast.Endpoint.Reliability;

/// <summary>What a RepairRequest frame's payload says (docs/wire-format.md §5.1.8).</summary>
public enum RepairMessageKind : byte
{
    /// <summary>A receiver misses these numbers of the target source (PGM's NAK, RFC 3208 §8.3).</summary>
    Nack = 1,

    /// <summary>The source heard a NACK for these numbers and will repair them (PGM's NCF, RFC 3208 §8.2): others hold their own.</summary>
    Confirm = 2,

    /// <summary>The source's repair cache no longer holds these numbers: they cannot be repaired.</summary>
    Unavailable = 3,

    /// <summary>The source's newest number and the oldest it can still repair (PGM's SPM trail and lead, RFC 3208 §5.1.1), so tail loss is seen.</summary>
    SourceStatus = 4,
}

/// <summary>A closed range of sequence numbers, <see cref="First"/> to <see cref="Last"/>.</summary>
/// <param name="First">The first number.</param>
/// <param name="Last">The last number, not below <see cref="First"/>.</param>
public readonly record struct SequenceRange(ulong First, ulong Last)
{
    /// <summary>How many numbers the range holds.</summary>
    public ulong Count => Last - First + 1;

    /// <summary>Whether <paramref name="sequence"/> lies in the range.</summary>
    public bool Contains(ulong sequence) => sequence >= First && sequence <= Last;

    /// <inheritdoc/>
    public override string ToString() => First == Last ? $"{First}" : $"{First}-{Last}";
}

/// <summary>Why a RepairRequest payload was refused.</summary>
public enum RepairMessageError
{
    /// <summary>Shorter than its header or than the ranges it announces.</summary>
    Truncated,

    /// <summary>Longer than the ranges it announces.</summary>
    TrailingBytes,

    /// <summary>A kind byte not in <see cref="RepairMessageKind"/>.</summary>
    UnknownKind,

    /// <summary>The reserved byte is not zero.</summary>
    ReservedNotZero,

    /// <summary>No range, more than <see cref="RepairMessage.MaxRanges"/>, or a range whose last number is below its first or is 0.</summary>
    BadRange,
}

/// <summary>
/// The payload of a RepairRequest frame: a kind, the source whose numbers it is about, and up to
/// <see cref="MaxRanges"/> ranges of sequence numbers.
/// </summary>
/// <remarks>
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |     kind      |   reserved 0  |          range count R        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  target source id (8 bytes)                   |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |   R times: first (8 bytes), last (8 bytes), big-endian        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </remarks>
/// <param name="Kind">What the message says.</param>
/// <param name="Target">The source whose sequence numbers the ranges are.</param>
/// <param name="Ranges">The ranges, 1 to <see cref="MaxRanges"/>.</param>
public sealed record RepairMessage(RepairMessageKind Kind, ulong Target, IReadOnlyList<SequenceRange> Ranges)
{
    /// <summary>Bytes before the ranges.</summary>
    public const int HeaderSize = 12;

    /// <summary>Bytes per range.</summary>
    public const int RangeSize = 16;

    /// <summary>The most ranges one message carries: 32 keep it at 524 bytes, so that a frame with the longest group name still fits one datagram.</summary>
    public const int MaxRanges = 32;

    /// <summary>The encoded length.</summary>
    public int EncodedLength => HeaderSize + (RangeSize * Ranges.Count);

    /// <summary>Encodes the message.</summary>
    /// <exception cref="ArgumentException">No range, too many, or one that is empty or starts at 0.</exception>
    public byte[] Encode()
    {
        if (Ranges.Count is 0 or > MaxRanges)
        {
            throw new ArgumentException($"a repair message carries 1 to {MaxRanges} ranges, not {Ranges.Count}", nameof(Ranges));
        }

        var bytes = new byte[EncodedLength];
        bytes[0] = (byte)Kind;
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), (ushort)Ranges.Count);
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(4), Target);
        var offset = HeaderSize;
        foreach (var range in Ranges)
        {
            if (range.First == 0 || range.Last < range.First)
            {
                throw new ArgumentException($"range {range.First}-{range.Last} is empty or starts at 0", nameof(Ranges));
            }

            BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(offset), range.First);
            BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(offset + 8), range.Last);
            offset += RangeSize;
        }

        return bytes;
    }

    /// <summary>Decodes a payload; a peer's bytes never throw.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> payload, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out RepairMessage? message, out RepairMessageError error)
    {
        message = null;
        error = RepairMessageError.Truncated;
        if (payload.Length < HeaderSize)
        {
            return false;
        }

        var kind = (RepairMessageKind)payload[0];
        if (kind is < RepairMessageKind.Nack or > RepairMessageKind.SourceStatus)
        {
            error = RepairMessageError.UnknownKind;
            return false;
        }

        if (payload[1] != 0)
        {
            error = RepairMessageError.ReservedNotZero;
            return false;
        }

        int count = BinaryPrimitives.ReadUInt16BigEndian(payload[2..]);
        if (count is 0 or > MaxRanges)
        {
            error = RepairMessageError.BadRange;
            return false;
        }

        var length = HeaderSize + (count * RangeSize);
        if (payload.Length < length)
        {
            return false;
        }

        if (payload.Length > length)
        {
            error = RepairMessageError.TrailingBytes;
            return false;
        }

        var ranges = new SequenceRange[count];
        for (var i = 0; i < count; i++)
        {
            var at = payload[(HeaderSize + (i * RangeSize))..];
            var first = BinaryPrimitives.ReadUInt64BigEndian(at);
            var last = BinaryPrimitives.ReadUInt64BigEndian(at[8..]);
            if (first == 0 || last < first)
            {
                error = RepairMessageError.BadRange;
                return false;
            }

            ranges[i] = new SequenceRange(first, last);
        }

        message = new RepairMessage(kind, BinaryPrimitives.ReadUInt64BigEndian(payload[4..]), ranges);
        return true;
    }

    /// <summary>Folds sorted numbers into ranges of consecutive ones.</summary>
    public static List<SequenceRange> ToRanges(IEnumerable<ulong> sortedSequences)
    {
        ArgumentNullException.ThrowIfNull(sortedSequences);
        List<SequenceRange> ranges = [];
        foreach (var sequence in sortedSequences)
        {
            if (ranges.Count > 0 && ranges[^1].Last + 1 == sequence)
            {
                ranges[^1] = ranges[^1] with { Last = sequence };
            }
            else
            {
                ranges.Add(new SequenceRange(sequence, sequence));
            }
        }

        return ranges;
    }
}
