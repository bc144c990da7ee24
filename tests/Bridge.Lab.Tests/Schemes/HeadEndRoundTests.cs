using Bridge.Lab.Placement;
using Bridge.Lab.Routing;
using Bridge.Lab.Schemes;

namespace Bridge.Lab.Tests.Schemes;

/// <summary>
/// The aggregated meter-reading round each hybrid run ends with, asked through the real gateways'
/// reverse channel, against unicast's polling; and the sweep's cheaper devices (homes of several
/// devices, quiet home gateways), which must not change what is measured.
/// </summary>
public sealed class HeadEndRoundTests(HybridRuns runs) : IClassFixture<HybridRuns>
{
    public static TheoryData<string, int> SetupsAndSeeds => new() { { "DE", 1 }, { "DE", 2 }, { "EU", 1 }, { "EU", 2 } };

    [Theory]
    [MemberData(nameof(SetupsAndSeeds))]
    public void Run_HomeGateways_HeadEndGetsOnePartialForTheWholeGroup(string setup, int seed)
    {
        var lab = runs.Lab(setup, seed);

        var run = runs.Run(setup, seed, HybridDeployment.HomeGateways);

        // Every device answered once and the answers reached the head-end as one partial of its
        // site's gateway, the only gateway of its domain.
        Assert.Equal((ulong)lab.NodeVertices.Length, run.Contributors);
        Assert.Equal(1, run.Round!.PartialFramesAtHeadEnd);
        Assert.Equal(0, run.Round.ReplyFramesAtHeadEnd);
        Assert.Equal(1, run.HeadEndMessagesPerRound);
        Assert.Equal(1, run.Result.HeadEndMessagesPerRound);
        Assert.True(run.Round.PartialsOverOverlay > 0);
    }

    [Theory]
    [MemberData(nameof(SetupsAndSeeds))]
    public void Run_ProviderGateways_HeadEndHearsItsOwnSitesHomesAndOnePartialForTheRest(string setup, int seed)
    {
        var lab = runs.Lab(setup, seed);
        var sameSite = lab.Placement.Nodes.Count(n => n.Site == 0);

        var run = runs.Run(setup, seed, HybridDeployment.ProviderGateways);

        // PG puts the head-end in its site's domain beside that site's homes: it aggregates their
        // replies itself (docs/aggregation.md, "Who aggregates"), and everything beyond comes as
        // one partial from the site's gateway.
        Assert.Equal((ulong)lab.NodeVertices.Length, run.Contributors);
        Assert.Equal(1, run.Round!.PartialFramesAtHeadEnd);
        Assert.Equal(sameSite, run.Round.ReplyFramesAtHeadEnd);
        Assert.Equal(1 + sameSite, run.HeadEndMessagesPerRound);
    }

    [Theory]
    [MemberData(nameof(SetupsAndSeeds))]
    public void Run_Unicast_HeadEndPollsEveryDevice(string setup, int seed)
    {
        var lab = runs.Lab(setup, seed);

        var unicast = UnicastScheme.Run(lab);

        Assert.Equal(lab.NodeVertices.Length, unicast.HeadEndMessagesPerRound);
    }

    [Fact]
    public void Run_NoAggregatedRound_SameMessagesAndNoRound()
    {
        var lab = runs.Lab("DE", 1);
        var with = runs.Run("DE", 1, HybridDeployment.HomeGateways);

        var without = HybridScheme.Run(lab, HybridDeployment.HomeGateways, 1, HybridOptions.Default with { AggregatedRound = false });

        Assert.Null(without.Round);
        Assert.Equal(0, without.HeadEndMessagesPerRound);
        Assert.Equal(with.Result.ReceiverDelays.ToArray(), without.Result.ReceiverDelays.ToArray());
        Assert.Equal(with.Result.LinkStress.Used.ToArray(), without.Result.LinkStress.Used.ToArray());
    }

    [Fact]
    public void Run_HomesOfTenDevices_SameDelaysOneGatewayPerHomeAndOneAccessLinkEach()
    {
        var lab = LabNetwork.ForSetup(LabSetup.Eu with { Nodes = 300 }, 1);
        var options = HybridOptions.Default with { Messages = 1 };
        var single = HybridScheme.Run(lab, HybridDeployment.HomeGateways, 1, options);

        var grouped = HybridScheme.Run(lab, HybridDeployment.HomeGateways, 1, options with { DevicesPerHome = 10 });

        // A site's nodes in homes of ten: 300 nodes at 30 sites are 10 per site, one home each.
        var homes = lab.Placement.Nodes.GroupBy(n => n.Site).Sum(g => (g.Count() + 9) / 10);
        Assert.Equal(30, homes);
        Assert.Equal(30 + homes + 1, grouped.Gateways);
        Assert.Equal(homes, grouped.DeviceNodes);
        Assert.Equal(300, single.DeviceNodes);
        Assert.Equal(single.Result.ReceiverDelays.ToArray(), grouped.Result.ReceiverDelays.ToArray());

        // One copy down each home's one access link instead of one per device; the backbone is the same.
        Assert.Equal(300 + 1, single.Result.LinkStress.Used.Count(u => u.Link.Kind == LinkKind.Access));
        Assert.Equal(homes + 1, grouped.Result.LinkStress.Used.Count(u => u.Link.Kind == LinkKind.Access));
        Assert.Equal(
            single.Result.LinkStress.Used.Where(u => u.Link.Kind == LinkKind.Backbone).ToArray(),
            grouped.Result.LinkStress.Used.Where(u => u.Link.Kind == LinkKind.Backbone).ToArray());
        Assert.Equal(300UL, grouped.Contributors);
        Assert.Equal(1, grouped.HeadEndMessagesPerRound);
    }

    [Fact]
    public void Run_QuietHomeGateways_SameMeasurementFarFewerEvents()
    {
        var lab = LabNetwork.ForSetup(LabSetup.Eu with { Nodes = 300 }, 2);
        var options = HybridOptions.Default with { Messages = 1 };
        var chatty = HybridScheme.Run(lab, HybridDeployment.HomeGateways, 2, options);

        var quiet = HybridScheme.Run(lab, HybridDeployment.HomeGateways, 2, options with { HomeHelloInterval = TimeSpan.FromSeconds(10) });

        Assert.Equal(chatty.Result.ReceiverDelays.ToArray(), quiet.Result.ReceiverDelays.ToArray());
        Assert.Equal(chatty.Result.LinkStress.Used.ToArray(), quiet.Result.LinkStress.Used.ToArray());
        Assert.Equal(chatty.HeadEndMessagesPerRound, quiet.HeadEndMessagesPerRound);
        Assert.Equal(chatty.Contributors, quiet.Contributors);

        // A hello every 100 ms from each of 301 home gateways over some 8 s of virtual time is most
        // of the chatty run's events.
        Assert.True(quiet.Events * 2 < chatty.Events, $"quiet {quiet.Events} events, chatty {chatty.Events}");
    }

    [Fact]
    public void Run_DevicesPerHomeZero_Refused()
    {
        var lab = runs.Lab("DE", 1);

        Assert.Throws<ArgumentOutOfRangeException>(() => HybridScheme.Run(lab, HybridDeployment.HomeGateways, 1, HybridOptions.Default with { DevicesPerHome = 0 }));
    }
}
