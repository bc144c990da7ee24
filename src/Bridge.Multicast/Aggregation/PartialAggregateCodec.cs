using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Unicode;
using Bridge.Multicast.Overlay.Routing;
using Bridge.Multicast.Wire;

namespace Bridge.Multicast.Aggregation;

/// <summary>
/// Encodes and decodes the payload of a <see cref="FrameType.PartialAggregate"/> frame, version 1
/// (docs/wire-format.md §5.1.6). Pure: no I/O, no clock.
/// </summary>
/// <remarks>
/// The decoder checks everything a partial can claim on its own: limits, order of the lists,
/// finite values, histogram counts against contributors, and, when its membership is known,
/// contributors and missing members against its members. Whether it matches the request's spec
/// is checked by the aggregator that merges it (<see cref="AggregateAccumulator.CheckMergeable"/>).
/// </remarks>
public static class PartialAggregateCodec
{
    /// <summary>Version written and read.</summary>
    public const byte Version = 1;

    /// <summary>Bytes before the histogram.</summary>
    public const int FixedSize = 96;

    /// <summary>Bytes of one collected item before its data.</summary>
    public const int ItemFixedSize = 17;

    /// <summary>
    /// The largest partial: 96 + 65 × 8 (histogram) + 64 × 129 (subtrees) + 1024 × 8 (missing
    /// ids) + 512 × 17 + 32768 (items) + 17 + 255 (cut item) = 58,808 bytes, within one frame's
    /// payload.
    /// </summary>
    public const int MaxEncodedSize = 60_000;

    private const byte MembershipKnownFlag = 0x01;
    private const byte LateUpdateFlag = 0x02;
    private const byte CutFlag = 0x04;

    /// <summary>The encoded size of <paramref name="partial"/>, after checking it as the decoder would.</summary>
    /// <exception cref="ArgumentException">A receiver would reject the partial.</exception>
    public static int GetEncodedSize(PartialAggregate partial)
    {
        ArgumentNullException.ThrowIfNull(partial);
        var bytes = EncodeUnchecked(partial);

        // One rule set: the encoder runs the decoder over its own output rather than repeat
        // every check, so the two cannot drift apart.
        return TryDecode(bytes, out _, out var error)
            ? bytes.Length
            : throw new ArgumentException($"The partial of request {partial.RequestId} is not valid: {error}.", nameof(partial));
    }

    /// <summary>Writes <paramref name="partial"/>; writes nothing and throws when a receiver would reject it.</summary>
    /// <exception cref="ArgumentException">A receiver would reject the partial.</exception>
    public static void Encode(PartialAggregate partial, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.Write(Encode(partial));
    }

    /// <summary>Encodes <paramref name="partial"/> into a new array.</summary>
    /// <exception cref="ArgumentException">A receiver would reject the partial.</exception>
    public static byte[] Encode(PartialAggregate partial)
    {
        ArgumentNullException.ThrowIfNull(partial);
        var bytes = EncodeUnchecked(partial);
        return TryDecode(bytes, out _, out var error)
            ? bytes
            : throw new ArgumentException($"The partial of request {partial.RequestId} is not valid: {error}.", nameof(partial));
    }

    /// <summary>
    /// Decodes one partial that fills <paramref name="input"/> exactly; never throws. On failure
    /// <paramref name="reason"/> names the first broken field. Item data is copied.
    /// </summary>
    /// <remarks>
    /// <code>
    ///  0                   1                   2                   3
    ///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    /// +---------------+---------+-+-+-+---------------+---------------+
    /// |  version = 1  | reserved|C|L|K| bucket count H|  subtrees S   |   0
    /// +---------------+---------+-+-+-+---------------+---------------+
    /// |                       request id (64)                         |   4
    /// +---------------------------------------------------------------+
    /// |                      contributors (64)                        |  12
    /// +---------------------------------------------------------------+
    /// |              sum, signed, 2^-32 units (128)                   |  20
    /// +---------------------------------------------------------------+
    /// |                    min (IEEE 754 double)                      |  36
    /// +---------------------------------------------------------------+
    /// |                    max (IEEE 754 double)                      |  44
    /// +---------------------------------------------------------------+
    /// |                          late (64)                            |  52
    /// +---------------------------------------------------------------+
    /// |                      members known (64)                       |  60
    /// +---------------------------------------------------------------+
    /// |                    missing members (64)                       |  68
    /// +---------------------------------------------------------------+
    /// |                  missing subtree count (32)                   |  76
    /// +---------------------------------------------------------------+
    /// |                    partials merged (32)                       |  80
    /// +-------------------------------+-------------------------------+
    /// |  item count I (16)            |  collect overflow (64) ...    |  84
    /// +-------------------------------+-------------------------------+
    /// |  ... collect overflow                                         |
    /// +-------------------------------+-------------------------------+
    /// |  ... collect overflow         |  listed missing ids M (16)    |  92
    /// +-------------------------------+-------------------------------+
    /// |  histogram: H counts (64 each)                               ...  96
    /// |  missing subtrees: S × (id length 1..128 (8), UTF-8 id)      ...
    /// |  missing member ids: M × (64), strictly ascending            ...
    /// |  items: I × (member id (64), value (double), length D (8), D bytes),
    /// |         strictly ascending by member id, value, bytes        ...
    /// |  cut item, when C: one more item, above every kept one        ...
    /// +---------------------------------------------------------------+
    /// </code>
    /// K: the subtree's membership is known. L: a late-only update (everything but late is 0).
    /// C (0x04): the first item beyond the collect limits follows the items
    /// (<see cref="PartialAggregate.CollectCut"/>); its bytes do not count against the byte limit.
    /// </remarks>
    public static bool TryDecode(ReadOnlySpan<byte> input, [NotNullWhen(true)] out PartialAggregate? partial, out AggregationError reason)
    {
        partial = null;
        reason = Decode(input, ref partial);
        return reason == AggregationError.None;
    }

    private static AggregationError Decode(ReadOnlySpan<byte> input, ref PartialAggregate? partial)
    {
        if (input.Length > MaxEncodedSize)
        {
            return AggregationError.TooLarge;
        }

        if (input.Length < FixedSize)
        {
            return AggregationError.Truncated;
        }

        if (input[0] != Version)
        {
            return AggregationError.UnsupportedVersion;
        }

        var flags = input[1];
        if ((flags & ~(MembershipKnownFlag | LateUpdateFlag | CutFlag)) != 0)
        {
            return AggregationError.UnknownFlags;
        }

        int buckets = input[2];
        if (buckets == 1 || buckets > AggregationSpec.MaxHistogramBounds + 1)
        {
            return AggregationError.BadBucketCount;
        }

        int listedSubtrees = input[3];
        if (listedSubtrees > PartialAggregate.MaxListedSubtrees)
        {
            return AggregationError.TooManyMissingSubtrees;
        }

        var requestId = BinaryPrimitives.ReadUInt64BigEndian(input[4..]);
        var contributors = BinaryPrimitives.ReadUInt64BigEndian(input[12..]);
        var sum = BinaryPrimitives.ReadInt128BigEndian(input[20..]);
        var min = BinaryPrimitives.ReadDoubleBigEndian(input[36..]);
        var max = BinaryPrimitives.ReadDoubleBigEndian(input[44..]);
        var late = BinaryPrimitives.ReadUInt64BigEndian(input[52..]);
        var members = BinaryPrimitives.ReadUInt64BigEndian(input[60..]);
        var missing = BinaryPrimitives.ReadUInt64BigEndian(input[68..]);
        var subtreeCount = BinaryPrimitives.ReadUInt32BigEndian(input[76..]);
        var partialsMerged = BinaryPrimitives.ReadUInt32BigEndian(input[80..]);
        int itemCount = BinaryPrimitives.ReadUInt16BigEndian(input[84..]);
        var overflow = BinaryPrimitives.ReadUInt64BigEndian(input[86..]);
        int listedIds = BinaryPrimitives.ReadUInt16BigEndian(input[94..]);
        var membershipKnown = (flags & MembershipKnownFlag) != 0;
        var lateUpdate = (flags & LateUpdateFlag) != 0;
        var hasCut = (flags & CutFlag) != 0;

        if (contributors > PartialAggregate.MaxContributors)
        {
            return AggregationError.CountOutOfRange;
        }

        if (contributors == 0)
        {
            if (sum != Int128.Zero || min != 0 || max != 0)
            {
                return AggregationError.ValuesWithoutContributors;
            }
        }
        else
        {
            var error = ValueUnits.Check(min);
            if (error == AggregationError.None)
            {
                error = ValueUnits.Check(max);
            }

            if (error != AggregationError.None)
            {
                return error;
            }

            if (min > max)
            {
                return AggregationError.MinAboveMax;
            }

            // Int128.Abs throws on Int128.MinValue, a sum no sender can reach (found by fuzzing):
            // it is out of range like every other sum past the bound.
            if (sum == Int128.MinValue || Int128.Abs(sum) > ValueUnits.MaxAbsUnits * (Int128)contributors)
            {
                return AggregationError.SumOutOfRange;
            }
        }

        if (listedSubtrees > subtreeCount || (ulong)listedIds > missing)
        {
            return AggregationError.CountOutOfRange;
        }

        if (listedIds > PartialAggregate.MaxListedMissingIds)
        {
            return AggregationError.TooManyMissingIds;
        }

        if (itemCount > AggregationSpec.MaxCollectItems)
        {
            return AggregationError.TooManyItems;
        }

        if ((UInt128)(ulong)itemCount + overflow > contributors)
        {
            return AggregationError.CollectExceedsContributors;
        }

        if (hasCut && overflow == 0)
        {
            // The cut item is one that did not fit, so it is counted in the overflow.
            return AggregationError.CountOutOfRange;
        }

        if (membershipKnown && (UInt128)contributors + missing > members)
        {
            return AggregationError.ContributorsExceedMembers;
        }

        if (lateUpdate && (membershipKnown || contributors != 0 || buckets != 0 || subtreeCount != 0 || members != 0
            || missing != 0 || partialsMerged != 0 || itemCount != 0 || overflow != 0))
        {
            return AggregationError.LateUpdateWithContent;
        }

        var rest = input[FixedSize..];
        if (rest.Length < 8 * buckets)
        {
            return AggregationError.Truncated;
        }

        var histogram = new ulong[buckets];
        UInt128 histogramTotal = 0;
        for (var i = 0; i < buckets; i++)
        {
            histogram[i] = BinaryPrimitives.ReadUInt64BigEndian(rest[(8 * i)..]);
            histogramTotal += histogram[i];
        }

        if (buckets > 0 && histogramTotal != contributors)
        {
            return AggregationError.HistogramCountMismatch;
        }

        rest = rest[(8 * buckets)..];
        var subtrees = new GatewayId[listedSubtrees];
        for (var i = 0; i < listedSubtrees; i++)
        {
            if (rest.IsEmpty)
            {
                return AggregationError.Truncated;
            }

            int idLength = rest[0];
            if (idLength is 0 or > PartialAggregate.MaxGatewayIdLength)
            {
                return AggregationError.BadGatewayIdLength;
            }

            if (rest.Length < 1 + idLength)
            {
                return AggregationError.Truncated;
            }

            var idBytes = rest.Slice(1, idLength);
            if (!Utf8.IsValid(idBytes))
            {
                return AggregationError.GatewayIdNotUtf8;
            }

            subtrees[i] = new GatewayId(Encoding.UTF8.GetString(idBytes));
            if (i > 0 && subtrees[i - 1] >= subtrees[i])
            {
                return AggregationError.NotAscending;
            }

            rest = rest[(1 + idLength)..];
        }

        if (rest.Length < 8 * listedIds)
        {
            return AggregationError.Truncated;
        }

        var missingIds = new ulong[listedIds];
        for (var i = 0; i < listedIds; i++)
        {
            missingIds[i] = BinaryPrimitives.ReadUInt64BigEndian(rest[(8 * i)..]);
            if (i > 0 && missingIds[i - 1] >= missingIds[i])
            {
                return AggregationError.NotAscending;
            }
        }

        rest = rest[(8 * listedIds)..];
        var items = new CollectedItem[itemCount + (hasCut ? 1 : 0)];
        var itemBytes = 0;
        for (var i = 0; i < items.Length; i++)
        {
            if (rest.Length < ItemFixedSize)
            {
                return AggregationError.Truncated;
            }

            var value = BinaryPrimitives.ReadDoubleBigEndian(rest[8..]);
            var error = ValueUnits.Check(value);
            if (error != AggregationError.None)
            {
                return error;
            }

            int dataLength = rest[16];
            if (rest.Length < ItemFixedSize + dataLength)
            {
                return AggregationError.Truncated;
            }

            itemBytes += i < itemCount ? dataLength : 0;
            if (itemBytes > AggregationSpec.MaxCollectBytes)
            {
                return AggregationError.TooManyItems;
            }

            items[i] = new CollectedItem(
                BinaryPrimitives.ReadUInt64BigEndian(rest),
                value,
                dataLength == 0 ? ReadOnlyMemory<byte>.Empty : rest.Slice(ItemFixedSize, dataLength).ToArray());
            if (i > 0 && CompareItems(items[i - 1], items[i]) >= 0)
            {
                return AggregationError.NotAscending;
            }

            rest = rest[(ItemFixedSize + dataLength)..];
        }

        if (!rest.IsEmpty)
        {
            return AggregationError.TrailingBytes;
        }

        partial = new PartialAggregate
        {
            RequestId = requestId,
            MembershipKnown = membershipKnown,
            IsLateUpdate = lateUpdate,
            Contributors = contributors,
            SumUnits = sum,
            Min = min,
            Max = max,
            Late = late,
            MembersKnown = members,
            MissingCount = missing,
            MissingMemberIds = missingIds,
            MissingSubtreeCount = subtreeCount,
            MissingSubtrees = subtrees,
            PartialsMerged = partialsMerged,
            Histogram = histogram,
            Items = hasCut ? items[..itemCount] : items,
            CollectOverflow = overflow,
            CollectCut = hasCut ? items[itemCount] : null,
        };
        return AggregationError.None;
    }

    /// <summary>The order the accumulator keeps items in (member id, value, bytes).</summary>
    internal static int CompareItems(CollectedItem x, CollectedItem y)
    {
        var byMember = x.MemberId.CompareTo(y.MemberId);
        if (byMember != 0)
        {
            return byMember;
        }

        var byValue = x.Value.CompareTo(y.Value);
        return byValue != 0 ? byValue : x.Data.Span.SequenceCompareTo(y.Data.Span);
    }

    /// <summary>The bytes of <paramref name="partial"/>, with only the checks needed to write them (lengths that fit their fields).</summary>
    private static byte[] EncodeUnchecked(PartialAggregate partial)
    {
        var histogram = partial.Histogram ?? [];
        var subtrees = partial.MissingSubtrees ?? [];
        var missingIds = partial.MissingMemberIds ?? [];
        IReadOnlyList<CollectedItem> items = partial.CollectCut is { } cut ? [.. partial.Items ?? [], cut] : partial.Items ?? [];
        if (histogram.Count > byte.MaxValue || subtrees.Count > byte.MaxValue || missingIds.Count > ushort.MaxValue || items.Count > ushort.MaxValue)
        {
            throw new ArgumentException($"The partial of request {partial.RequestId} has lists too long for their count fields.", nameof(partial));
        }

        var subtreeBytes = new byte[subtrees.Count][];
        long size = FixedSize + (8L * histogram.Count) + (8L * missingIds.Count);
        for (var i = 0; i < subtrees.Count; i++)
        {
            GatewayId.ThrowIfDefault(subtrees[i], nameof(partial));
            subtreeBytes[i] = Encoding.UTF8.GetBytes(subtrees[i].Value);
            if (subtreeBytes[i].Length > PartialAggregate.MaxGatewayIdLength)
            {
                throw new ArgumentException($"Gateway id '{subtrees[i]}' is longer than {PartialAggregate.MaxGatewayIdLength} bytes.", nameof(partial));
            }

            size += 1 + subtreeBytes[i].Length;
        }

        foreach (var item in items)
        {
            if (item.Data.Length > Reply.MaxDataLength)
            {
                throw new ArgumentException($"The item of member {item.MemberId} has more than {Reply.MaxDataLength} bytes.", nameof(partial));
            }

            size += ItemFixedSize + item.Data.Length;
        }

        if (size > MaxEncodedSize)
        {
            throw new ArgumentException($"The partial of request {partial.RequestId} would take {size} bytes; at most {MaxEncodedSize}.", nameof(partial));
        }

        var bytes = new byte[size];
        var span = bytes.AsSpan();
        span[0] = Version;
        span[1] = (byte)((partial.MembershipKnown ? MembershipKnownFlag : 0) | (partial.IsLateUpdate ? LateUpdateFlag : 0) | (partial.CollectCut is null ? 0 : CutFlag));
        span[2] = (byte)histogram.Count;
        span[3] = (byte)subtrees.Count;
        BinaryPrimitives.WriteUInt64BigEndian(span[4..], partial.RequestId);
        BinaryPrimitives.WriteUInt64BigEndian(span[12..], partial.Contributors);
        BinaryPrimitives.WriteInt128BigEndian(span[20..], partial.SumUnits);
        BinaryPrimitives.WriteDoubleBigEndian(span[36..], partial.Min);
        BinaryPrimitives.WriteDoubleBigEndian(span[44..], partial.Max);
        BinaryPrimitives.WriteUInt64BigEndian(span[52..], partial.Late);
        BinaryPrimitives.WriteUInt64BigEndian(span[60..], partial.MembersKnown);
        BinaryPrimitives.WriteUInt64BigEndian(span[68..], partial.MissingCount);
        BinaryPrimitives.WriteUInt32BigEndian(span[76..], partial.MissingSubtreeCount);
        BinaryPrimitives.WriteUInt32BigEndian(span[80..], partial.PartialsMerged);
        BinaryPrimitives.WriteUInt16BigEndian(span[84..], (ushort)(partial.Items?.Count ?? 0));
        BinaryPrimitives.WriteUInt64BigEndian(span[86..], partial.CollectOverflow);
        BinaryPrimitives.WriteUInt16BigEndian(span[94..], (ushort)missingIds.Count);
        var at = FixedSize;
        foreach (var count in histogram)
        {
            BinaryPrimitives.WriteUInt64BigEndian(span[at..], count);
            at += 8;
        }

        foreach (var id in subtreeBytes)
        {
            span[at] = (byte)id.Length;
            id.CopyTo(span[(at + 1)..]);
            at += 1 + id.Length;
        }

        foreach (var id in missingIds)
        {
            BinaryPrimitives.WriteUInt64BigEndian(span[at..], id);
            at += 8;
        }

        foreach (var item in items)
        {
            BinaryPrimitives.WriteUInt64BigEndian(span[at..], item.MemberId);
            BinaryPrimitives.WriteDoubleBigEndian(span[(at + 8)..], item.Value);
            span[at + 16] = (byte)item.Data.Length;
            item.Data.Span.CopyTo(span[(at + ItemFixedSize)..]);
            at += ItemFixedSize + item.Data.Length;
        }

        return bytes;
    }
}
