using Bridge.Multicast.Aggregation;
using Bridge.Multicast.Overlay.Routing;

namespace Bridge.Multicast.Tests.Aggregation;

public sealed class AggregationTreeSimulationTests
{
    private static readonly AggregationSpec Spec = new()
    {
        Functions = AggregateFunctions.Count | AggregateFunctions.Sum | AggregateFunctions.Min | AggregateFunctions.Max
            | AggregateFunctions.Mean | AggregateFunctions.Histogram,
        HistogramBounds = [-50, 0, 50],
        WantMissingIds = true,
    };

    private static readonly AggregatorOptions Options = new()
    {
        HopMargin = TimeSpan.FromMilliseconds(200),
        Linger = TimeSpan.FromSeconds(30),
        LateUpdateDelay = TimeSpan.FromMilliseconds(20),
    };

    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(2);

    /// <summary>Ten gateways: 1 to 5 under the source, 6 to 10 each under one of those (6 under 1, ...).</summary>
    private static int TwoLevels(int gateway) => gateway <= 5 ? 0 : gateway - 5;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Run_GatewayKilledMidRequest_ResultOnTimeWithItsSubtreeMissingAndEveryOtherReplyOnce(int seed)
    {
        var tree = new AggregationTree(seed, 10, 1000, Options, TwoLevels) { DuplicateChance = 0.5 };
        tree.Start(new AggregationRequest(42, Spec, Budget));
        tree.Kill(2, at: TimeSpan.FromMilliseconds(10), detection: TimeSpan.FromMilliseconds(100));

        tree.Run(TimeSpan.FromSeconds(10));

        var result = Assert.Single(tree.Results).Result;
        Assert.True(tree.CompletedAt <= Budget, $"result at {tree.CompletedAt}");
        var lost = new HashSet<int> { 2, 7 };
        var expected = tree.Nodes.Where(n => !lost.Contains(n.Index)).SelectMany(n => n.Members).ToList();
        AssertAggregateOf(expected, result);
        Assert.Equal([new GatewayId("gw-02")], result.MissingSubtrees);
        Assert.Equal(1U, result.MissingSubtreeCount);
        Assert.Equal(0UL, result.MissingCount);
        Assert.False(result.MembershipKnown);
        Assert.Equal(0UL, result.Late);
        Assert.Empty(tree.Rejections);

        // Gateways 1, 3, 4, 5 and 6, 8, 9, 10: one partial each reached the head-end's tree.
        Assert.Equal(8U, result.PartialsMerged);
        Assert.Equal(4, tree.Nodes[0].Aggregator.Counters.PartialsAccepted);
    }

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(13)]
    [InlineData(14)]
    public void Run_LossDuplicationReorderingAndLateMembers_ResultMatchesTheOracleExactly(int seed)
    {
        var tree = new AggregationTree(seed, 10, 1000, Options, TwoLevels)
        {
            ReplyLoss = 0.05,
            PartialLoss = 0.15,
            DuplicateChance = 0.4,
            LateMemberChance = 0.03,
        };
        tree.Start(new AggregationRequest(7, Spec, Budget));

        tree.Run(TimeSpan.FromSeconds(20));

        var result = Assert.Single(tree.Results).Result;
        Assert.True(tree.CompletedAt <= Budget, $"result at {tree.CompletedAt}");
        var expected = tree.OracleMembers(tree.Nodes[0]).ToList();
        Assert.Equal(expected.Count, expected.Distinct().Count());
        AssertAggregateOf(expected, result);
        Assert.Equal(tree.OracleMissingSubtrees(tree.Nodes[0]).Order().ToList(), result.MissingSubtrees);
        Assert.Empty(tree.Rejections);
        Assert.Equal(tree.OracleMissingMembers(tree.Nodes[0]), result.MissingCount);

        // Every late reply and late partial, anywhere, reaches the source's late count once.
        var finalLate = tree.LateReports.Count == 0 ? result.Late : tree.LateReports[^1].Late;
        Assert.Equal(tree.OracleLate(), finalLate);
        Assert.True(tree.OracleLate() > 0, "the seed should make some replies late");

        // No gateway sent its partial after its own deadline.
        foreach (var node in tree.Nodes.Skip(1).Where(n => n.SentAt is not null))
        {
            var depth = node.Parent!.Index == 0 ? 1 : 2;
            Assert.True(node.SentAt <= Budget + TimeSpan.FromMilliseconds(60 * depth), $"{node.Id} sent at {node.SentAt}");
        }
    }

    [Fact]
    public void Run_AMillionRepliesThroughAThousandAggregators_IsExact()
    {
        // 1 source, 9 gateways under it, 990 leaf gateways under those; every leaf domain has
        // members that all answer, each reply delivered twice. Driven directly, without a clock:
        // the aggregators finish as soon as every member and child answered.
        var options = new AggregatorOptions { MaxRequests = 4 };
        var spec = new AggregationSpec { Functions = AggregateFunctions.Count | AggregateFunctions.Sum | AggregateFunctions.Min | AggregateFunctions.Max | AggregateFunctions.Mean };
        var request = new AggregationRequest(1, spec, TimeSpan.FromSeconds(60));
        var now = TimeSpan.FromSeconds(1);
        var source = new RequestAggregator(options);
        var middle = Enumerable.Range(0, 9).Select(i => (Id: new GatewayId($"mid-{i}"), Aggregator: new RequestAggregator(options))).ToList();
        var leaves = Enumerable.Range(0, 990).Select(i => (Id: new GatewayId($"leaf-{i:D3}"), Aggregator: new RequestAggregator(options), Parent: i % 9)).ToList();
        const int members = 1_000_000;

        source.HandleRequest(now, request, null, middle.Select(m => m.Id).ToList(), []);
        for (var m = 0; m < middle.Count; m++)
        {
            middle[m].Aggregator.HandleRequest(now, request, new GatewayId("source"), leaves.Where(l => l.Parent == m).Select(l => l.Id).ToList(), []);
        }

        long expectedSum = 0;
        for (var l = 0; l < leaves.Count; l++)
        {
            var domain = new List<ulong>((members / leaves.Count) + 1);
            for (var i = l; i < members; i += leaves.Count)
            {
                domain.Add((ulong)i);
            }

            var leaf = leaves[l].Aggregator;
            leaf.HandleRequest(now, request, middle[leaves[l].Parent].Id, [], domain);
            foreach (var member in domain)
            {
                var value = (double)(member % 1000);
                expectedSum += (long)(member % 1000);
                leaf.HandleReply(now, new Reply(1, member, value));
                leaf.HandleReply(now, new Reply(1, member, value));
            }

            Assert.True(leaf.TryPollPartial(out var partial));
            middle[leaves[l].Parent].Aggregator.HandlePartial(now, leaves[l].Id, partial.Partial);
        }

        foreach (var (id, aggregator) in middle)
        {
            Assert.True(aggregator.TryPollPartial(out var partial));
            source.HandlePartial(now, id, partial.Partial);
        }

        Assert.True(source.TryPollEvent(out var e));
        var result = Assert.IsType<AggregationCompleted>(e).Result;
        Assert.Equal((ulong)members, result.Count);
        Assert.Equal((double)expectedSum, result.Sum);
        Assert.Equal(0, result.Min);
        Assert.Equal(999, result.Max);
        Assert.Equal(999U, result.PartialsMerged);
        Assert.Equal((ulong)members, result.MembersKnown);
        Assert.Equal(0UL, result.MissingCount);
        Assert.True(result.MembershipKnown);
        Assert.Equal(members, leaves.Sum(l => l.Aggregator.Counters.DroppedBy(AggregationDropReason.DuplicateReply)));
    }

    private static void AssertAggregateOf(List<ulong> members, PartialAggregate result)
    {
        var values = members.Select(AggregationTree.ValueOf).ToList();
        Assert.Equal((ulong)members.Count, result.Count);
        Assert.Equal(values.Aggregate(Int128.Zero, (s, v) => s + ValueUnits.ToUnits(v)), result.SumUnits);
        Assert.Equal(values.Min(), result.Min);
        Assert.Equal(values.Max(), result.Max);
        Assert.Equal(values.Sum() / values.Count, result.Mean!.Value, 9);
        var histogram = new ulong[4];
        foreach (var v in values)
        {
            histogram[Spec.BucketOf(v)]++;
        }

        Assert.Equal(histogram, result.Histogram);
    }
}
