using Bridge.Lab.Placement;
using Bridge.Lab.Routing;
using Bridge.Lab.Schemes;

namespace Bridge.Lab.Tests.Schemes;

public sealed class UnicastSchemeTests
{
    public static TheoryData<string, int> SetupsAndSeeds => new() { { "DE", 1 }, { "DE", 2 }, { "EU", 1 }, { "EU", 2 } };

    private static LabNetwork Lab(string setup, int seed) => LabNetwork.ForSetup(setup == "DE" ? LabSetup.De : LabSetup.Eu, seed);

    [Theory]
    [MemberData(nameof(SetupsAndSeeds))]
    public void Run_PaperSetup_MaxStressIsGroupSizeOnSourcesAccessLink(string setup, int seed)
    {
        var lab = Lab(setup, seed);

        var result = UnicastScheme.Run(lab);

        var groupSize = lab.Placement.Nodes.Length;
        Assert.Equal(groupSize, result.LinkStress.Max);
        Assert.Equal(groupSize, result.LinkStress.CopiesOn(lab.AccessLinkOf(lab.SourceVertex)));
        Assert.Equal(groupSize, result.LinkStress.Summary().Max);
        Assert.Equal(groupSize, result.SenderCopies);
    }

    [Theory]
    [MemberData(nameof(SetupsAndSeeds))]
    public void Run_PaperSetup_EachReceiverGetsOneCopyOnItsAccessLinkAfterItsShortestPathDelay(string setup, int seed)
    {
        var lab = Lab(setup, seed);

        var result = UnicastScheme.Run(lab);

        Assert.All(lab.NodeVertices, vertex => Assert.Equal(1, result.LinkStress.CopiesOn(lab.AccessLinkOf(vertex))));
        Assert.Equal(lab.NodeVertices.Select(v => lab.Routes.Delay(lab.SourceVertex, v)), result.ReceiverDelays);
        Assert.All(result.ReceiverDelays, d => Assert.True(d >= 2 * lab.Delays.AccessDelay, $"{d} is less than two access links"));
        Assert.Equal(lab.NodeVertices.Sum(v => lab.Routes.Path(lab.SourceVertex, v).Links.Length), result.LinkStress.TotalCopies);
        Assert.Equal(UnicastScheme.Name, result.Scheme);
    }

    [Fact]
    public void Run_NodesAtTheSourcesSite_CrossOnlyTheTwoAccessLinks()
    {
        var lab = Lab("DE", 1);

        var result = UnicastScheme.Run(lab);

        var local = lab.Placement.Nodes.Where(n => n.Site == 0).ToArray();
        Assert.NotEmpty(local);
        Assert.All(local, n => Assert.Equal(2 * lab.Delays.AccessDelay, result.ReceiverDelays[n.Index]));
    }

    [Fact]
    public void Run_LongerRouteFactor_ScalesTheBackbonePartOfTheDelay()
    {
        var underlay = LabSetup.Eu.LoadUnderlay();
        var placement = SitePlacement.Place(underlay, LabSetup.Eu, 5);
        var straight = UnicastScheme.Run(LabNetwork.Build(underlay, placement, new DelayModel { RouteFactor = 1.0 }));
        var bent = UnicastScheme.Run(LabNetwork.Build(underlay, placement, new DelayModel { RouteFactor = 2.0 }));

        // Doubling every backbone delay keeps the same shortest paths, so the backbone part doubles
        // (up to one tick of rounding per link).
        var access = 2 * DelayModel.Default.AccessDelay;
        for (var i = 0; i < placement.Nodes.Length; i++)
        {
            var expected = 2 * (straight.ReceiverDelays[i] - access);
            Assert.InRange((bent.ReceiverDelays[i] - access - expected).Ticks, -20, 20);
        }

        Assert.True(bent.DelayMs().Mean > straight.DelayMs().Mean);
    }

    [Fact]
    public void Run_TenSeeds_MeanStressNearThePapersThreeAndEuSpreadAboveDe()
    {
        // The paper: unicast's mean link stress is near 3 in both setups, with standard
        // deviations of 5 (DE) and 7 (EU). Averaged over seeds, the lab lands there too.
        static (double Mean, double Sd) Average(LabSetup setup)
        {
            var summaries = Enumerable.Range(1, 10).Select(seed => UnicastScheme.Run(LabNetwork.ForSetup(setup, seed)).LinkStress.Summary()).ToArray();
            return (summaries.Average(s => s.Mean), summaries.Average(s => s.StandardDeviation));
        }

        var de = Average(LabSetup.De);
        var eu = Average(LabSetup.Eu);

        Assert.InRange(de.Mean, 2.0, 4.0);
        Assert.InRange(eu.Mean, 2.0, 4.5);
        Assert.InRange(de.Sd, 3.5, 6.5);
        Assert.True(eu.Sd > de.Sd, $"EU sd {eu.Sd:F2} not above DE sd {de.Sd:F2}");
    }
}
