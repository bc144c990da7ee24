using System.Buffers;
using System.Text;
using Bridge.Multicast.Aggregation;
using Bridge.Multicast.Overlay.Routing;
using FsCheck.Xunit;

namespace Bridge.Multicast.Tests.Aggregation;

public sealed class AggregationCodecTests
{
    private static readonly AggregationSpec Full = new()
    {
        Functions = AggregateFunctions.All,
        HistogramBounds = [-1.5, 0, 10, 1e9],
        CollectMaxItems = 100,
        CollectMaxBytes = 4096,
        WantMissingIds = true,
    };

    [Fact]
    public void RequestEncode_ThenTryDecode_GivesTheSameRequest()
    {
        var original = new AggregationRequest(0xFEDC_BA98_7654_3210, Full, TimeSpan.FromMilliseconds(2500));

        var bytes = AggregationRequestCodec.Encode(original);

        Assert.Equal(22 + (8 * 4), bytes.Length);
        Assert.True(AggregationRequestCodec.TryDecode(bytes, out var decoded, out var reason), reason.ToString());
        Assert.Equal(original.RequestId, decoded.RequestId);
        Assert.Equal(original.Budget, decoded.Budget);
        Assert.Equal(Full.Functions, decoded.Spec.Functions);
        Assert.Equal(Full.HistogramBounds, decoded.Spec.HistogramBounds);
        Assert.Equal(Full.CollectMaxItems, decoded.Spec.CollectMaxItems);
        Assert.Equal(Full.CollectMaxBytes, decoded.Spec.CollectMaxBytes);
        Assert.True(decoded.Spec.WantMissingIds);
    }

    [Fact]
    public void RequestEncode_HandBuiltLayout_IsTheSameBytes()
    {
        var request = new AggregationRequest(7, new AggregationSpec { Functions = AggregateFunctions.Count | AggregateFunctions.Sum }, TimeSpan.FromSeconds(2));

        Assert.Equal(WireBuilders.Request(), AggregationRequestCodec.Encode(request));
    }

    [Fact]
    public void ReplyEncode_ThenTryDecode_GivesTheSameReply()
    {
        var original = new Reply(9, ulong.MaxValue, -230.125, new byte[] { 1, 2, 3 });

        var bytes = ReplyCodec.Encode(original);

        Assert.Equal(WireBuilders.Reply(requestId: 9, member: ulong.MaxValue, value: -230.125, data: [1, 2, 3]), bytes);
        Assert.True(ReplyCodec.TryDecode(bytes, out var decoded, out var reason), reason.ToString());
        Assert.Equal(original.RequestId, decoded.RequestId);
        Assert.Equal(original.MemberId, decoded.MemberId);
        Assert.Equal(original.Value, decoded.Value);
        Assert.Equal(original.Data.ToArray(), decoded.Data.ToArray());
    }

    [Fact]
    public void ReplyEncode_IntoBufferWriter_AppendsTheSameBytes()
    {
        var reply = new Reply(1, 2, 3);
        var buffer = new ArrayBufferWriter<byte>();
        buffer.Write<byte>([0xAA]);

        ReplyCodec.Encode(reply, buffer);

        Assert.Equal([0xAA, .. ReplyCodec.Encode(reply)], buffer.WrittenSpan.ToArray());
    }

    [Fact]
    public void PartialEncode_ThenTryDecode_GivesTheSameBytesAndFields()
    {
        var original = SamplePartial();

        var bytes = PartialAggregateCodec.Encode(original);

        Assert.True(PartialAggregateCodec.TryDecode(bytes, out var decoded, out var reason), reason.ToString());
        Assert.Equal(bytes, PartialAggregateCodec.Encode(decoded));
        Assert.Equal(original.Contributors, decoded.Contributors);
        Assert.Equal(original.SumUnits, decoded.SumUnits);
        Assert.Equal(original.Min, decoded.Min);
        Assert.Equal(original.Max, decoded.Max);
        Assert.Equal(original.Late, decoded.Late);
        Assert.Equal(original.MembersKnown, decoded.MembersKnown);
        Assert.Equal(original.MissingCount, decoded.MissingCount);
        Assert.Equal(original.MissingMemberIds, decoded.MissingMemberIds);
        Assert.Equal(original.MissingSubtreeCount, decoded.MissingSubtreeCount);
        Assert.Equal(original.MissingSubtrees, decoded.MissingSubtrees);
        Assert.Equal(original.PartialsMerged, decoded.PartialsMerged);
        Assert.Equal(original.Histogram, decoded.Histogram);
        Assert.Equal(original.CollectOverflow, decoded.CollectOverflow);
        Assert.Equal(original.Items.Select(i => (i.MemberId, i.Value, Convert.ToHexString(i.Data.Span))), decoded.Items.Select(i => (i.MemberId, i.Value, Convert.ToHexString(i.Data.Span))));
        Assert.Equal(5UL, decoded.CollectCut?.MemberId);
        Assert.Equal("xyz", Encoding.UTF8.GetString(decoded.CollectCut!.Value.Data.Span));
        Assert.True(decoded.MembershipKnown);
        Assert.False(decoded.IsLateUpdate);
    }

    [Fact]
    public void PartialEncode_HandBuiltLayout_IsTheSameBytes()
    {
        var partial = new PartialAggregate
        {
            RequestId = 7,
            Contributors = 3,
            SumUnits = (Int128)6 << 32,
            Min = 1,
            Max = 3,
            PartialsMerged = 1,
            Histogram = [1, 2],
        };

        Assert.Equal(WireBuilders.Partial(), PartialAggregateCodec.Encode(partial));
    }

    [Fact]
    public void PartialEncode_LateUpdate_RoundTrips()
    {
        var update = new PartialAggregate { RequestId = 3, IsLateUpdate = true, Late = 12 };

        Assert.True(PartialAggregateCodec.TryDecode(PartialAggregateCodec.Encode(update), out var decoded, out _));
        Assert.True(decoded.IsLateUpdate);
        Assert.Equal(12UL, decoded.Late);
    }

    [Fact]
    public void PartialEncode_LargestPartial_FitsTheLimit()
    {
        var items = Enumerable.Range(0, AggregationSpec.MaxCollectItems)
            .Select(i => new CollectedItem((ulong)i, 1, new byte[i < 128 ? 255 : i < 256 ? 1 : 0]))
            .ToList();
        var partial = new PartialAggregate
        {
            RequestId = 1,
            Contributors = 1_000_000,
            SumUnits = (Int128)1_000_000 << 32,
            Min = 1,
            Max = 1,
            MissingCount = 5000,
            MissingMemberIds = Enumerable.Range(0, PartialAggregate.MaxListedMissingIds).Select(i => (ulong)i).ToList(),
            MissingSubtreeCount = 100,
            MissingSubtrees = Enumerable.Range(0, PartialAggregate.MaxListedSubtrees).Select(i => new GatewayId($"{i:D3}" + new string('g', 125))).ToList(),
            Histogram = [1_000_000, .. new ulong[64]],
            Items = items,
            CollectOverflow = 10,
        };

        var bytes = PartialAggregateCodec.Encode(partial);

        Assert.InRange(bytes.Length, 50_000, PartialAggregateCodec.MaxEncodedSize);
        Assert.True(PartialAggregateCodec.TryDecode(bytes, out _, out var reason), reason.ToString());
    }

    [Property(MaxTest = 300)]
    public void TryDecode_RandomBytes_NeverThrows(byte[] garbage)
    {
        Assert.Equal(AggregationRequestCodec.TryDecode(garbage, out var request, out var e1), e1 == AggregationError.None && request is not null);
        Assert.Equal(ReplyCodec.TryDecode(garbage, out var reply, out var e2), e2 == AggregationError.None && reply is not null);
        Assert.Equal(PartialAggregateCodec.TryDecode(garbage, out var partial, out var e3), e3 == AggregationError.None && partial is not null);
    }

    [Fact]
    public void TryDecode_EveryProperPrefixOfAValidPayload_IsRejectedNeverAccepted()
    {
        var request = AggregationRequestCodec.Encode(new AggregationRequest(1, Full, TimeSpan.FromSeconds(1)));
        var reply = ReplyCodec.Encode(new Reply(1, 2, 3, new byte[] { 9, 9 }));
        var partial = PartialAggregateCodec.Encode(SamplePartial());

        for (var n = 0; n < request.Length; n++)
        {
            Assert.False(AggregationRequestCodec.TryDecode(request.AsSpan(0, n), out _, out var reason));
            Assert.Equal(AggregationError.Truncated, reason);
        }

        for (var n = 0; n < reply.Length; n++)
        {
            Assert.False(ReplyCodec.TryDecode(reply.AsSpan(0, n), out _, out var reason));
            Assert.Equal(AggregationError.Truncated, reason);
        }

        for (var n = 0; n < partial.Length; n++)
        {
            Assert.False(PartialAggregateCodec.TryDecode(partial.AsSpan(0, n), out _, out var reason));
            Assert.Equal(AggregationError.Truncated, reason);
        }
    }

    public static TheoryData<string, byte[], AggregationError> MalformedRequests() => new()
    {
        { "empty", [], AggregationError.Truncated },
        { "fixed part cut at 21", WireBuilders.Request()[..21], AggregationError.Truncated },
        { "bounds cut short", WireBuilders.Request(functions: 0x21, bounds: [1, 2])[..29], AggregationError.Truncated },
        { "bound count above the bounds present", WireBuilders.Request(functions: 0x21, boundCount: 3, bounds: [1, 2]), AggregationError.Truncated },
        { "trailing byte", WireBuilders.Request(extra: 1), AggregationError.TrailingBytes },
        { "longer than any request", new byte[AggregationRequestCodec.MaxEncodedSize + 1], AggregationError.TooLarge },
        { "version 0", WireBuilders.Request(version: 0), AggregationError.UnsupportedVersion },
        { "version 2", WireBuilders.Request(version: 2), AggregationError.UnsupportedVersion },
        { "reserved flag 0x02", WireBuilders.Request(flags: 0x02), AggregationError.UnknownFlags },
        { "unknown function bit 0x80", WireBuilders.Request(functions: 0x81), AggregationError.UnknownFunctions },
        { "no function", WireBuilders.Request(functions: 0), AggregationError.NoFunctions },
        { "bound count 65", WireBuilders.Request(functions: 0x20, boundCount: 65, bounds: [1]), AggregationError.TooManyBounds },
        { "histogram without bounds", WireBuilders.Request(functions: 0x20), AggregationError.BoundsWithoutHistogram },
        { "bounds without histogram", WireBuilders.Request(functions: 0x01, bounds: [1]), AggregationError.BoundsWithoutHistogram },
        { "NaN bound", WireBuilders.Request(functions: 0x20, bounds: [0, double.NaN]), AggregationError.NonFiniteBound },
        { "infinite bound", WireBuilders.Request(functions: 0x20, bounds: [double.PositiveInfinity]), AggregationError.NonFiniteBound },
        { "descending bounds", WireBuilders.Request(functions: 0x20, bounds: [5, 1]), AggregationError.BoundsNotAscending },
        { "equal bounds", WireBuilders.Request(functions: 0x20, bounds: [1, 1]), AggregationError.BoundsNotAscending },
        { "collect without limits", WireBuilders.Request(functions: 0x40), AggregationError.BadCollectLimits },
        { "collect limits without collect", WireBuilders.Request(collectItems: 5, collectBytes: 100), AggregationError.BadCollectLimits },
        { "too many collect items", WireBuilders.Request(functions: 0x40, collectItems: 513, collectBytes: 100), AggregationError.BadCollectLimits },
        { "too many collect bytes", WireBuilders.Request(functions: 0x40, collectItems: 5, collectBytes: 32_769), AggregationError.BadCollectLimits },
        { "budget 0", WireBuilders.Request(budgetMs: 0), AggregationError.BadBudget },
        { "budget above an hour", WireBuilders.Request(budgetMs: 3_600_001), AggregationError.BadBudget },
    };

    [Theory]
    [MemberData(nameof(MalformedRequests))]
    public void RequestTryDecode_Malformed_IsRejectedWithItsReason(string name, byte[] bytes, AggregationError expected)
    {
        Assert.False(AggregationRequestCodec.TryDecode(bytes, out var request, out var reason), name);
        Assert.Null(request);
        Assert.Equal(expected, reason);
    }

    public static TheoryData<string, byte[], AggregationError> MalformedReplies() => new()
    {
        { "empty", [], AggregationError.Truncated },
        { "fixed part cut at 25", WireBuilders.Reply()[..25], AggregationError.Truncated },
        { "data shorter than its length", WireBuilders.Reply(data: [1, 2], dataLength: 3), AggregationError.Truncated },
        { "data longer than its length", WireBuilders.Reply(data: [1, 2], dataLength: 1), AggregationError.TrailingBytes },
        { "longer than any reply", new byte[ReplyCodec.MaxEncodedSize + 1], AggregationError.TooLarge },
        { "version 2", WireBuilders.Reply(version: 2), AggregationError.UnsupportedVersion },
        { "NaN value", WireBuilders.Reply(value: double.NaN), AggregationError.NonFiniteValue },
        { "infinite value", WireBuilders.Reply(value: double.NegativeInfinity), AggregationError.NonFiniteValue },
        { "value above 2^52", WireBuilders.Reply(value: 1e16), AggregationError.ValueOutOfRange },
    };

    [Theory]
    [MemberData(nameof(MalformedReplies))]
    public void ReplyTryDecode_Malformed_IsRejectedWithItsReason(string name, byte[] bytes, AggregationError expected)
    {
        Assert.False(ReplyCodec.TryDecode(bytes, out var reply, out var reason), name);
        Assert.Null(reply);
        Assert.Equal(expected, reason);
    }

    public static TheoryData<string, byte[], AggregationError> MalformedPartials() => new()
    {
        { "empty", [], AggregationError.Truncated },
        { "fixed part cut at 95", WireBuilders.Partial()[..95], AggregationError.Truncated },
        { "histogram cut short", WireBuilders.Partial()[..110], AggregationError.Truncated },
        { "trailing byte", WireBuilders.Partial(extra: 1), AggregationError.TrailingBytes },
        { "longer than any partial", new byte[PartialAggregateCodec.MaxEncodedSize + 1], AggregationError.TooLarge },
        { "version 2", WireBuilders.Partial(version: 2), AggregationError.UnsupportedVersion },
        { "reserved flag 0x08", WireBuilders.Partial(flags: 0x08), AggregationError.UnknownFlags },
        { "cut item without overflow", WireBuilders.Partial(flags: 0x04, items: [(1, 1, [])]), AggregationError.CountOutOfRange },
        { "one bucket", WireBuilders.Partial(histogram: [3]), AggregationError.BadBucketCount },
        { "66 buckets", WireBuilders.Partial(bucketCount: 66, histogram: [1, 2]), AggregationError.BadBucketCount },
        { "65 subtrees listed", WireBuilders.Partial(subtreeListed: 65, subtreeCount: 65), AggregationError.TooManyMissingSubtrees },
        { "contributors above 2^40", WireBuilders.Partial(contributors: (1UL << 40) + 1, histogram: []), AggregationError.CountOutOfRange },
        { "values without contributors", WireBuilders.Partial(contributors: 0, histogram: [0, 0]), AggregationError.ValuesWithoutContributors },
        { "NaN minimum", WireBuilders.Partial(min: double.NaN), AggregationError.NonFiniteValue },
        { "infinite maximum", WireBuilders.Partial(max: double.PositiveInfinity), AggregationError.NonFiniteValue },
        { "maximum above 2^52", WireBuilders.Partial(max: 1e17), AggregationError.ValueOutOfRange },
        { "minimum above maximum", WireBuilders.Partial(min: 4, max: 3), AggregationError.MinAboveMax },
        { "sum beyond what 3 contributors can make", WireBuilders.Partial(sumUnits: ((Int128)1 << 84) * 3 + 1), AggregationError.SumOutOfRange },
        { "listed subtrees above their count", WireBuilders.Partial(subtrees: ["gw-a"], subtreeCount: 0), AggregationError.CountOutOfRange },
        { "listed missing ids above the missing count", WireBuilders.Partial(missingIds: [1, 2], missing: 1), AggregationError.CountOutOfRange },
        { "1025 missing ids listed", WireBuilders.Partial(missing: 2000, idCount: 1025), AggregationError.TooManyMissingIds },
        { "513 items", WireBuilders.Partial(contributors: 600, histogram: [300, 300], sumUnits: 0, itemCount: 513), AggregationError.TooManyItems },
        { "items and overflow above contributors", WireBuilders.Partial(overflow: 3, items: [(1, 1, [])]), AggregationError.CollectExceedsContributors },
        { "contributors exceed known members", WireBuilders.Partial(flags: 0x01, members: 2), AggregationError.ContributorsExceedMembers },
        { "contributors and missing exceed known members", WireBuilders.Partial(flags: 0x01, members: 4, missing: 2), AggregationError.ContributorsExceedMembers },
        { "late update with contributors", WireBuilders.Partial(flags: 0x02, late: 5), AggregationError.LateUpdateWithContent },
        { "histogram counts not the contributors", WireBuilders.Partial(histogram: [1, 1]), AggregationError.HistogramCountMismatch },
        { "subtree id length 0", WireBuilders.Partial(subtreeCount: 1, rawSubtrees: [[]]), AggregationError.BadGatewayIdLength },
        { "subtree id length 129", WireBuilders.Partial(subtreeCount: 1, rawSubtrees: [new byte[129]]), AggregationError.BadGatewayIdLength },
        { "subtree id not UTF-8", WireBuilders.Partial(subtreeCount: 1, rawSubtrees: [[0x67, 0xFF]]), AggregationError.GatewayIdNotUtf8 },
        { "subtrees out of order", WireBuilders.Partial(subtreeCount: 2, subtrees: ["gw-b", "gw-a"]), AggregationError.NotAscending },
        { "subtree listed twice", WireBuilders.Partial(subtreeCount: 2, subtrees: ["gw-a", "gw-a"]), AggregationError.NotAscending },
        { "missing ids out of order", WireBuilders.Partial(missing: 2, missingIds: [5, 4]), AggregationError.NotAscending },
        { "missing ids cut short", WireBuilders.Partial(missing: 2, missingIds: [4, 5])[..^1], AggregationError.Truncated },
        { "items out of order", WireBuilders.Partial(items: [(2, 1, []), (1, 1, [])]), AggregationError.NotAscending },
        { "NaN item value", WireBuilders.Partial(items: [(1, double.NaN, [])]), AggregationError.NonFiniteValue },
        { "cut item not above the items", WireBuilders.Partial(flags: 0x04, overflow: 1, items: [(2, 1, []), (1, 1, [])]), AggregationError.NotAscending },
        { "item data cut short", WireBuilders.Partial(items: [(1, 1, [1, 2, 3])])[..^1], AggregationError.Truncated },
    };

    [Theory]
    [MemberData(nameof(MalformedPartials))]
    public void PartialTryDecode_Malformed_IsRejectedWithItsReason(string name, byte[] bytes, AggregationError expected)
    {
        Assert.False(PartialAggregateCodec.TryDecode(bytes, out var partial, out var reason), name);
        Assert.Null(partial);
        Assert.Equal(expected, reason);
    }

    // Found by fuzzing (fuzz/regressions/agg-partial/sum-int128-min): Int128.Abs threw on this sum.
    [Fact]
    public void PartialTryDecode_SumInt128MinValue_IsSumOutOfRange()
    {
        Assert.False(PartialAggregateCodec.TryDecode(WireBuilders.Partial(sumUnits: Int128.MinValue), out var partial, out var reason));
        Assert.Null(partial);
        Assert.Equal(AggregationError.SumOutOfRange, reason);
    }

    [Fact]
    public void PartialTryDecode_KnownMembershipWithinMembers_IsAccepted()
    {
        Assert.True(PartialAggregateCodec.TryDecode(WireBuilders.Partial(flags: 0x01, members: 5, missing: 2), out var partial, out var reason), reason.ToString());
        Assert.True(partial.MembershipKnown);
    }

    [Fact]
    public void Encode_InvalidValues_ThrowAndWriteNothing()
    {
        var buffer = new ArrayBufferWriter<byte>();

        Assert.Throws<ArgumentException>(() => ReplyCodec.Encode(new Reply(1, 2, double.NaN), buffer));
        Assert.Throws<ArgumentException>(() => ReplyCodec.Encode(new Reply(1, 2, 1, new byte[256]), buffer));
        Assert.Throws<ArgumentException>(() => AggregationRequestCodec.Encode(new AggregationRequest(1, new AggregationSpec { Functions = AggregateFunctions.Histogram, HistogramBounds = [2, 1] }, TimeSpan.FromSeconds(1)), buffer));
        Assert.Throws<ArgumentException>(() => AggregationRequestCodec.Encode(new AggregationRequest(1, new AggregationSpec(), TimeSpan.FromTicks(15_000)), buffer));
        Assert.Throws<ArgumentException>(() => PartialAggregateCodec.Encode(SamplePartial() with { MembersKnown = 1 }, buffer));
        Assert.Equal(0, buffer.WrittenCount);
    }

    private static PartialAggregate SamplePartial() => new()
    {
        RequestId = 99,
        MembershipKnown = true,
        Contributors = 4,
        SumUnits = ValueUnits.ToUnits(10.25),
        Min = -1,
        Max = 7.25,
        Late = 2,
        MembersKnown = 10,
        MissingCount = 6,
        MissingMemberIds = [3, 8, 1000],
        MissingSubtreeCount = 3,
        MissingSubtrees = [new GatewayId("gw-a"), new GatewayId("gw-b")],
        PartialsMerged = 5,
        Histogram = [1, 1, 1, 1, 0],
        Items = [new CollectedItem(1, -1, Encoding.UTF8.GetBytes("ok")), new CollectedItem(2, 7.25, ReadOnlyMemory<byte>.Empty)],
        CollectOverflow = 2,
        CollectCut = new CollectedItem(5, 1, Encoding.UTF8.GetBytes("xyz")),
    };
}
