using Bridge.Multicast.Aggregation;
using Bridge.Multicast.Overlay.Routing;
using FsCheck.Xunit;

namespace Bridge.Multicast.Tests.Aggregation;

public sealed class AggregateAccumulatorTests
{
    private static readonly AggregationSpec Spec = new()
    {
        Functions = AggregateFunctions.All,
        HistogramBounds = [-10, 0, 0.5, 100],
        CollectMaxItems = 8,
        CollectMaxBytes = 40,
        WantMissingIds = true,
    };

    [Fact]
    public void Mean_OfMergedPartials_IsSumOverCountNotMeanOfMeans()
    {
        var a = Partial(Spec, new Reply(1, 1, 10));
        var b = Partial(Spec, new Reply(1, 2, 2), new Reply(1, 3, 2), new Reply(1, 4, 2));

        var merged = Combine(Spec, a, b);

        Assert.Equal(4UL, merged.Count);
        Assert.Equal(16, merged.Sum);
        Assert.Equal(4, merged.Mean);
        Assert.Equal(2, merged.Min);
        Assert.Equal(10, merged.Max);
    }

    [Fact]
    public void Mean_WithoutContributors_IsNull()
    {
        Assert.Null(new AggregateAccumulator(Spec).ToPartial(1).Mean);
    }

    [Theory]
    [InlineData(-11, 0)]
    [InlineData(-10, 1)]
    [InlineData(-0.0, 2)]
    [InlineData(0.25, 2)]
    [InlineData(0.5, 3)]
    [InlineData(100, 4)]
    [InlineData(4e15, 4)]
    public void Add_Value_FallsInItsBucket(double value, int bucket)
    {
        var partial = Partial(Spec, new Reply(1, 1, value));

        Assert.Equal(1UL, partial.Histogram[bucket]);
        Assert.Equal(1UL, partial.Histogram.Aggregate(0UL, (s, c) => s + c));
    }

    [Fact]
    public void Add_NegativeZero_CountsAsZero()
    {
        var partial = Partial(Spec, new Reply(1, 1, -0.0), new Reply(1, 2, 0.0));

        Assert.False(double.IsNegative(partial.Min));
        Assert.Equal(0, partial.Max);
    }

    [Fact]
    public void Add_MoreItemsThanTheByteLimit_KeepsTheSmallestMembersAndCountsTheRest()
    {
        var replies = Enumerable.Range(1, 6).Select(i => new Reply(1, (ulong)(7 - i), i, new byte[10])).ToArray();

        var partial = Partial(Spec, replies);

        Assert.Equal([1UL, 2, 3, 4], partial.Items.Select(i => i.MemberId));
        Assert.Equal(2UL, partial.CollectOverflow);
    }

    [Fact]
    public void Add_WithoutCollect_KeepsNoItems()
    {
        var spec = new AggregationSpec { Functions = AggregateFunctions.Sum };

        var partial = Partial(spec, new Reply(1, 1, 1, new byte[] { 1 }));

        Assert.Empty(partial.Items);
        Assert.Equal(0UL, partial.CollectOverflow);
        Assert.Empty(partial.Histogram);
    }

    [Fact]
    public void AddMissingMember_BeyondTheListLimit_ListsTheSmallestIdsAndCountsAll()
    {
        var accumulator = new AggregateAccumulator(Spec);
        for (var id = 3000UL; id > 0; id--)
        {
            accumulator.AddMissingMember(id);
        }

        var partial = accumulator.ToPartial(1);

        Assert.Equal(3000UL, partial.MissingCount);
        Assert.Equal(Enumerable.Range(1, PartialAggregate.MaxListedMissingIds).Select(i => (ulong)i), partial.MissingMemberIds);
    }

    [Fact]
    public void AddMissingMember_WithoutMissingIdsAsked_CountsButListsNothing()
    {
        var accumulator = new AggregateAccumulator(new AggregationSpec());
        accumulator.AddMissingMember(5);

        Assert.Equal(1UL, accumulator.ToPartial(1).MissingCount);
        Assert.Empty(accumulator.ToPartial(1).MissingMemberIds);
    }

    [Fact]
    public void Merge_PartialWithOtherBucketCount_IsRefused()
    {
        var accumulator = new AggregateAccumulator(Spec);
        var other = Partial(new AggregationSpec { Functions = AggregateFunctions.Histogram, HistogramBounds = [1] }, new Reply(1, 1, 1));

        Assert.Equal(AggregationError.BadBucketCount, accumulator.CheckMergeable(other));
        Assert.Throws<ArgumentException>(() => accumulator.Merge(other));
    }

    [Fact]
    public void Add_ExactSum_IsExactForValuesThatFloatingPointRounds()
    {
        // 0.1 + 0.2 in doubles is 0.30000000000000004; in units each is rounded once and the
        // sum of a million of them is exactly a million times the units of one (each 0.1 is off by
        // less than 2^-33, the rounding of its one conversion).
        var accumulator = new AggregateAccumulator(new AggregationSpec { Functions = AggregateFunctions.Sum });
        for (var i = 0UL; i < 1_000_000; i++)
        {
            accumulator.Add(new Reply(1, i, 0.1));
        }

        Assert.Equal(ValueUnits.ToUnits(0.1) * 1_000_000, accumulator.SumUnits);
        Assert.Equal(100_000, accumulator.ToPartial(1).Sum, 3);
    }

    [Property(MaxTest = 200)]
    public void Merge_AnySplitAnyOrder_GivesTheSameBytesAsAddingAll(int seed)
    {
        var random = new Random(seed);
        var (replies, missing, subtrees) = Inputs(random);

        var whole = new AggregateAccumulator(Spec);
        foreach (var reply in replies)
        {
            whole.Add(reply);
        }

        foreach (var id in missing)
        {
            whole.AddMissingMember(id);
        }

        foreach (var gateway in subtrees)
        {
            whole.AddMissingSubtree(gateway);
        }

        var members = (ulong)(replies.Count + missing.Count);
        whole.AddMembers(members, known: true);

        // The same inputs shuffled, dealt into a random number of parts, merged in a random
        // nesting: a random binary tree over the parts.
        var parts = Enumerable.Range(0, random.Next(1, 8)).Select(_ => new AggregateAccumulator(Spec)).ToList();
        foreach (var reply in replies.OrderBy(_ => random.Next()))
        {
            parts[random.Next(parts.Count)].Add(reply);
        }

        foreach (var id in missing)
        {
            parts[random.Next(parts.Count)].AddMissingMember(id);
        }

        foreach (var gateway in subtrees)
        {
            parts[random.Next(parts.Count)].AddMissingSubtree(gateway);
        }

        parts[random.Next(parts.Count)].AddMembers(members, known: true);
        var partials = parts.Select(p => p.ToPartial(1)).ToList();
        while (partials.Count > 1)
        {
            var i = random.Next(partials.Count);
            var a = partials[i];
            partials.RemoveAt(i);
            var j = random.Next(partials.Count);
            partials[j] = Combine(Spec, a, partials[j]);
        }

        Assert.Equal(PartialAggregateCodec.Encode(whole.ToPartial(1)), PartialAggregateCodec.Encode(partials[0]));
    }

    [Property(MaxTest = 200)]
    public void Merge_IsCommutative(int seedA, int seedB)
    {
        var a = RandomPartial(new Random(seedA));
        var b = RandomPartial(new Random(seedB));

        Assert.Equal(PartialAggregateCodec.Encode(Combine(Spec, a, b)), PartialAggregateCodec.Encode(Combine(Spec, b, a)));
    }

    [Property(MaxTest = 200)]
    public void Merge_IsAssociative(int seedA, int seedB, int seedC)
    {
        var a = RandomPartial(new Random(seedA));
        var b = RandomPartial(new Random(seedB));
        var c = RandomPartial(new Random(seedC));

        var left = Combine(Spec, Combine(Spec, a, b), c);
        var right = Combine(Spec, a, Combine(Spec, b, c));

        Assert.Equal(PartialAggregateCodec.Encode(left), PartialAggregateCodec.Encode(right));
    }

    [Property(MaxTest = 100)]
    public void Merge_EmptyAggregate_IsTheIdentity(int seed)
    {
        var a = RandomPartial(new Random(seed));

        Assert.Equal(PartialAggregateCodec.Encode(a), PartialAggregateCodec.Encode(Combine(Spec, a, new AggregateAccumulator(Spec).ToPartial(1))));
    }

    [Property(MaxTest = 200)]
    public void ToPartial_AnyInputs_RoundTripsThroughTheCodecByteForByte(int seed)
    {
        var partial = RandomPartial(new Random(seed));

        var bytes = PartialAggregateCodec.Encode(partial);

        Assert.True(PartialAggregateCodec.TryDecode(bytes, out var decoded, out var reason), reason.ToString());
        Assert.Equal(bytes, PartialAggregateCodec.Encode(decoded));
        Assert.Equal(partial.Items.Count, decoded.Items.Count);
        Assert.Equal(partial.CollectCut.HasValue, decoded.CollectCut.HasValue);
    }

    internal static PartialAggregate Partial(AggregationSpec spec, params Reply[] replies)
    {
        var accumulator = new AggregateAccumulator(spec);
        foreach (var reply in replies)
        {
            accumulator.Add(reply);
        }

        return accumulator.ToPartial(1);
    }

    internal static PartialAggregate Combine(AggregationSpec spec, params PartialAggregate[] partials)
    {
        var accumulator = new AggregateAccumulator(spec);
        foreach (var partial in partials)
        {
            accumulator.Merge(partial);
        }

        return accumulator.ToPartial(partials[0].RequestId);
    }

    private static PartialAggregate RandomPartial(Random random)
    {
        var (replies, missing, subtrees) = Inputs(random);
        var accumulator = new AggregateAccumulator(Spec);
        foreach (var reply in replies)
        {
            accumulator.Add(reply);
        }

        foreach (var id in missing)
        {
            accumulator.AddMissingMember(id);
        }

        foreach (var gateway in subtrees)
        {
            accumulator.AddMissingSubtree(gateway);
        }

        accumulator.AddMembers((ulong)(replies.Count + missing.Count + random.Next(0, 3)), random.Next(2) == 0);
        accumulator.AddLate((ulong)random.Next(0, 3));
        accumulator.AddPartials((uint)random.Next(0, 3));
        return accumulator.ToPartial(1);
    }

    private static (List<Reply> Replies, List<ulong> Missing, List<GatewayId> Subtrees) Inputs(Random random)
    {
        var members = Enumerable.Range(0, 200).Select(i => (ulong)i).OrderBy(_ => random.Next()).ToList();
        var replies = members.Take(random.Next(0, 60))
            .Select(m => new Reply(1, m, Value(random), new byte[random.Next(0, 9)]))
            .ToList();
        var missing = members.Skip(100).Take(random.Next(0, 20)).ToList();
        var subtrees = Enumerable.Range(0, random.Next(0, 4)).Select(_ => new GatewayId($"gw-{random.Next(100):D2}")).Distinct().ToList();
        return (replies, missing, subtrees);
    }

    private static double Value(Random random) => random.Next(6) switch
    {
        0 => 0,
        1 => -0.0,
        2 => random.Next(-1000, 1000),
        3 => (random.NextDouble() - 0.5) * 1e12,
        4 => 0.1 * random.Next(-50, 50),
        _ => random.NextDouble(),
    };
}
