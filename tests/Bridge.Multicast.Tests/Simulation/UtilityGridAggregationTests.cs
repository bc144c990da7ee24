using Bridge.Multicast.Aggregation;
using Bridge.Simulation;
using Bridge.Simulation.Scenarios;
using Xunit.Abstractions;

namespace Bridge.Multicast.Tests.Simulation;

/// <summary>
/// The reverse channel of Figure 1 on <see cref="UtilityGrid"/>, with the real gateway code in
/// every gateway: the head-end asks every device for its meter reading and gets one aggregate
/// back. Expected values come from <see cref="Bridge.Simulation.Nodes.MeterReadings"/> directly
/// (<see cref="ExpectedAggregate"/>), never from the network.
/// </summary>
public sealed class UtilityGridAggregationTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Ms = TimeSpan.FromMilliseconds(1);

    /// <summary>Room for the hop margins (200 ms each, at most about 8 hops here) and the devices' 200 ms reply spread.</summary>
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(4);

    private static readonly AggregationSpec Spec = new()
    {
        Functions = AggregateFunctions.Count | AggregateFunctions.Sum | AggregateFunctions.Min | AggregateFunctions.Max | AggregateFunctions.Mean | AggregateFunctions.Histogram,
        HistogramBounds = [1000, 2500, 5000, 7500],
    };

    [Fact]
    public void Request_MillionDevicesUnderThousandGateways_ExactAggregateAndOneMessageAtTheHeadEnd()
    {
        Simulator.Run(SimulationSeed.Seeds(1, first: 1200), sim =>
        {
            var grid = new UtilityGrid(sim, new UtilityGridShape());
            Assert.Equal(1000, grid.Gateways.Count);
            Assert.Equal(1_000_000, grid.Devices);
            var settled = grid.Settle();

            var round = grid.Ask(Spec, Budget);
            var result = grid.DriveUntilResult(round);

            var expected = ExpectedAggregate.Of(grid, round.RequestId, Spec.HistogramBounds, grid.Domains);
            expected.AssertEqual(result.Result);
            Assert.Equal(0u, result.Result.MissingSubtreeCount);
            Assert.Equal(0UL, result.Result.Late);
            Assert.True(round.ResultAt <= round.Deadline, $"result at {round.ResultAt}, deadline {round.Deadline}");

            // The head-end's load: one partial from the one gateway of its domain (the only child
            // of the root, the head-end's aggregator), and no reply, as no device shares its
            // domain. Every gateway's partial was merged once on the way (PartialsMerged counts
            // them transitively), and every gateway but the ingress sent exactly one over a link.
            Assert.Equal(1, round.PartialFramesAtHeadEnd);
            Assert.Equal(0, round.ReplyFramesAtHeadEnd);
            Assert.Equal((uint)grid.Gateways.Count, result.Result.PartialsMerged);
            Assert.Equal(grid.Gateways.Count - 1, round.PartialsOverOverlay);
            output.WriteLine(
                $"seed {sim.Seed}: {grid.Gateways.Count} gateways, {grid.Devices} devices; settled in {settled.TotalMilliseconds} ms; "
                + $"result {round.ResultAt - round.AskedAt} after the request, count {result.Result.Count}, mean {result.Result.Mean}; "
                + $"head-end frames {round.PartialFramesAtHeadEnd + round.ReplyFramesAtHeadEnd} (n-times unicast: {grid.Devices}); "
                + $"partials over the overlay {round.PartialsOverOverlay}; {sim.Counters.Events} events");
        });
    }

    [Fact]
    public void Request_ProviderAndLeafKilledAfterTheRequestPassed_ResultByDeadlineWithTheirSubtreesMissingAndNamed()
    {
        Simulator.Run(SimulationSeed.Seeds(3, first: 1300), sim =>
        {
            var grid = new UtilityGrid(sim, new UtilityGridShape { Devices = 100_000 });
            grid.Settle();

            // A provider with leaves, not the control centre's gateway; and a leaf under another provider.
            var provider = grid.Gateways[1 + sim.Random.Next(grid.Shape.Providers)];
            var providerSubtree = grid.SubtreeOf(provider.Index);
            var leaves = grid.Gateways.Where(g => !g.IsTransit && !providerSubtree.Contains(g.Index)).ToList();
            var leaf = leaves[sim.Random.Next(leaves.Count)];
            var lost = providerSubtree.Append(leaf.Index).ToHashSet();

            var round = grid.Ask(Spec, Budget);

            // Killed once the request has reached every domain and the devices have answered,
            // well before any gateway's deadline; the links' dead interval is 500 ms.
            sim.Schedule(round.AskedAt + TimeSpan.FromSeconds(1), "kill a provider and a leaf", () =>
            {
                Assert.True(provider.Gateway.Counters.RequestRelaysReceived > 0, "the request had not reached the provider");
                grid.Kill(provider.Index, 500 * Ms);
                grid.Kill(leaf.Index, 500 * Ms);
            });

            var result = grid.DriveUntilResult(round);
            Assert.True(round.ResultAt <= round.Deadline, $"result at {round.ResultAt}, deadline {round.Deadline}");
            var expected = ExpectedAggregate.Of(grid, round.RequestId, Spec.HistogramBounds, grid.Domains.Where(d => !lost.Contains(d.Gateway)));
            expected.AssertEqual(result.Result);
            Assert.Equal(2u, result.Result.MissingSubtreeCount);
            Assert.Equal([leaf.Id, provider.Id], result.Result.MissingSubtrees.Order());
            output.WriteLine(
                $"seed {sim.Seed}: killed {provider.Id} ({lost.Count - 1} gateways with it) and {leaf.Id}; count {result.Result.Count} of {grid.Devices}; "
                + $"result {round.ResultAt - round.AskedAt} after the request");
        });
    }

    [Fact]
    public void Request_DuplicationAndReorderingOnLinksAndDomains_EveryDeviceCountedExactlyOnce()
    {
        Simulator.Run(SimulationSeed.Seeds(4, first: 1400), sim =>
        {
            // Four provider domains have a standby gateway too, which hears every reply there
            // but is not designated: it must count none of them.
            var grid = new UtilityGrid(sim, SmallShape(new LinkConditions
            {
                Delay = Ms,
                Jitter = 2 * Ms,
                DuplicationProbability = 0.2,
                ReorderProbability = 0.2,
                ReorderDelay = 20 * Ms,
            }, loss: 0) with { StandbyGateways = 4 });
            grid.Settle();

            var round = grid.Ask(Spec, Budget);
            var result = grid.DriveUntilResult(round);

            ExpectedAggregate.Of(grid, round.RequestId, Spec.HistogramBounds, grid.Domains).AssertEqual(result.Result);
            Assert.Equal(0u, result.Result.MissingSubtreeCount);
            Assert.True(sim.Counters.Duplicated > 0 && sim.Counters.Reordered > 0);
            Assert.All(grid.Gateways.Where(g => g.IsStandby), g => Assert.Equal(0, g.Gateway.Aggregation.RepliesAccepted));
            var duplicateReplies = grid.Gateways.Sum(g => g.Gateway.Aggregation.DroppedBy(AggregationDropReason.DuplicateReply));
            Assert.True(duplicateReplies > 0, "no reply reached a gateway twice: the case did not test anything");
            output.WriteLine($"seed {sim.Seed}: {sim.Counters.Duplicated} copies duplicated, {sim.Counters.Reordered} reordered; {duplicateReplies} duplicate replies dropped");
        });
    }

    [Fact]
    public void Request_LossDuplicationAndReordering_NoDeviceCountedTwiceAndTheTreeAddsUp()
    {
        Simulator.Run(SimulationSeed.Seeds(4, first: 1500), sim =>
        {
            var grid = new UtilityGrid(sim, SmallShape(new LinkConditions
            {
                Delay = Ms,
                Jitter = 2 * Ms,
                LossProbability = 0.02,
                DuplicationProbability = 0.1,
                ReorderProbability = 0.1,
                ReorderDelay = 20 * Ms,
            }, loss: 0.05));
            grid.Settle(TimeSpan.FromSeconds(60));

            var round = grid.Ask(Spec, Budget);
            var result = grid.DriveUntilResult(round).Result;

            Assert.True(result.Count <= (ulong)grid.Devices, $"{result.Count} contributors among {grid.Devices} devices");
            var all = ExpectedAggregate.Of(grid, round.RequestId, Spec.HistogramBounds, grid.Domains);
            Assert.True(result.SumUnits <= all.SumUnits);
            Assert.Equal(result.Count, (ulong)result.Histogram.Sum(b => (long)b));

            // Every reply folded in anywhere reaches the result once: the gateways' accepted
            // replies add up to the result's contributors (none lost with a missing subtree here).
            if (result.MissingSubtreeCount == 0)
            {
                var accepted = grid.Gateways.Sum(g => g.Gateway.Aggregation.RepliesAccepted) + grid.HeadEnd.Aggregator.Counters.RepliesAccepted;
                Assert.Equal((long)result.Count + (long)result.Late, accepted);
            }

            output.WriteLine($"seed {sim.Seed}: count {result.Count} of {grid.Devices}, late {result.Late}, missing subtrees {result.MissingSubtreeCount}; {sim.Counters.Lost} lost, {sim.Counters.Duplicated} duplicated, {sim.Counters.Reordered} reordered");
        });
    }

    [Fact]
    public void Request_AfterTheDesignatedProviderFailedOverToItsStandby_NextRoundCountsItsDomainAgainAndOnlyItsOrphanedLeavesAreMissing()
    {
        Simulator.Run(SimulationSeed.Seeds(3, first: 1700), sim =>
        {
            // Every provider domain has a standby; the leaves have one upstream each, so the
            // leaves of a dead provider are cut off until it returns.
            var grid = new UtilityGrid(sim, SmallShape(new LinkConditions { Delay = Ms }, loss: 0) with { StandbyGateways = 9 });
            grid.Settle();
            var provider = grid.Gateways[1 + sim.Random.Next(grid.Shape.Providers)];
            var standby = grid.Gateways.Single(g => g.IsStandby && g.Domain == provider.Domain);
            var subtree = grid.SubtreeOf(provider.Index);

            var first = grid.Ask(Spec, Budget);
            sim.Schedule(first.AskedAt + TimeSpan.FromSeconds(1), "kill the designated provider", () => grid.Kill(provider.Index, 500 * Ms));
            var lost = grid.DriveUntilResult(first).Result;
            Assert.Equal([provider.Id], lost.MissingSubtrees);
            ExpectedAggregate.Of(grid, first.RequestId, Spec.HistogramBounds, grid.Domains.Where(d => !subtree.Contains(d.Gateway))).AssertEqual(lost);

            // The standby takes the domain over (hold time, then the overlay learns it); the
            // next round reaches every domain but the dead provider's leaves.
            grid.Sim.DriveUntil(() => standby.Gateway.IsDesignated(UtilityGrid.Group), TimeSpan.FromSeconds(5), "the standby's takeover");
            sim.DriveFor(TimeSpan.FromSeconds(2));
            var orphans = grid.LeavesOf(provider.Index).ToHashSet();
            var second = grid.Ask(Spec, Budget);
            var result = grid.DriveUntilResult(second).Result;
            ExpectedAggregate.Of(grid, second.RequestId, Spec.HistogramBounds, grid.Domains.Where(d => !orphans.Contains(d.Gateway))).AssertEqual(result);
            Assert.Equal(0u, result.MissingSubtreeCount);
            Assert.True(standby.Gateway.Aggregation.RepliesAccepted > 0);
            output.WriteLine($"seed {sim.Seed}: {provider.Id} failed over to {standby.Id}; first round {lost.Count}, second {result.Count} of {grid.Devices} ({orphans.Count} leaves cut off)");
        });
    }

    [Fact]
    public void Request_DevicesSlowerThanTheBudget_LateRepliesCountedLateNeverFoldedInAndEveryDeviceAccountedFor()
    {
        Simulator.Run(SimulationSeed.Seeds(3, first: 1600), sim =>
        {
            // Devices take up to 3 s to answer a request of 2 s: each gateway's deadline cuts its
            // domain's replies in two, and the rest arrive late.
            var grid = new UtilityGrid(sim, SmallShape(new LinkConditions { Delay = Ms }, loss: 0) with { ReplySpread = TimeSpan.FromSeconds(3) });
            grid.Settle();

            var round = grid.Ask(Spec, TimeSpan.FromSeconds(2));
            var result = grid.DriveUntilResult(round).Result;
            Assert.Equal(round.Deadline, round.ResultAt);
            var inTime = result.Count;
            sim.DriveFor(TimeSpan.FromSeconds(4));

            // The result holds exactly the replies each gateway had before its own deadline; every
            // later one is in the late count (cumulative in LateAfterResult), none of them twice.
            var lateUpdates = grid.HeadEnd.OtherEvents.Select(e => e.Event).OfType<LateAfterResult>().Where(l => l.RequestId == round.RequestId).ToList();
            Assert.NotEmpty(lateUpdates);
            var late = lateUpdates.Max(l => l.Late);
            Assert.True(inTime > 0 && late > 0);
            Assert.Equal((ulong)grid.Devices, inTime + late);
            Assert.True(result.Late <= late);
            Assert.Single(grid.HeadEnd.Results, r => r.Result.Result.RequestId == round.RequestId);
            output.WriteLine($"seed {sim.Seed}: {inTime} in time, {result.Late} late in the result, {late} late in the end, of {grid.Devices}");
        });
    }

    /// <summary>
    /// 10,000 devices under 100 gateways (the control centre, 9 providers, 90 leaves), domains
    /// with <paramref name="lan"/>, overlay links that duplicate and reorder as much and, when
    /// <paramref name="loss"/> is above zero, lose (and resend, as TCP does).
    /// </summary>
    private static UtilityGridShape SmallShape(LinkConditions lan, double loss) => new()
    {
        Providers = 9,
        Leaves = 90,
        Devices = 10_000,
        Chords = 9,
        Lan = lan,
        OverlayConditions = delay => new LinkConditions
        {
            Delay = delay,
            Jitter = lan.Jitter,
            LossProbability = loss,
            DuplicationProbability = lan.DuplicationProbability,
            ReorderProbability = lan.ReorderProbability,
            ReorderDelay = lan.ReorderDelay,
            RetransmitAfter = loss > 0 ? (2 * delay) + (20 * Ms) : null,
        },
    };
}
