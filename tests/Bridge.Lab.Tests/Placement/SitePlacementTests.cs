using Bridge.Lab.Placement;
using Bridge.Lab.Underlays;

namespace Bridge.Lab.Tests.Placement;

public sealed class SitePlacementTests
{
    public static TheoryData<string> Setups => ["DE", "EU"];

    private static LabSetup SetupNamed(string name) => name == "DE" ? LabSetup.De : LabSetup.Eu;

    [Theory]
    [MemberData(nameof(Setups))]
    public void Place_PaperSetup_PutsTwoNodesAtEachOfDistinctSites(string name)
    {
        var setup = SetupNamed(name);
        var underlay = setup.LoadUnderlay();

        var placement = SitePlacement.Place(underlay, setup, seed: 7);

        Assert.Equal(setup.Sites, placement.Sites.Length);
        Assert.Equal(setup.Nodes, placement.Nodes.Length);
        Assert.Equal(setup.Sites, placement.Sites.Select(s => s.Backbone.Id).Distinct().Count());
        Assert.All(placement.Nodes.GroupBy(n => n.Site), g => Assert.Equal(2, g.Count()));
        Assert.Same(placement.Sites[0], placement.SourceSite);
    }

    [Fact]
    public void Place_SameSeed_SameSites()
    {
        var underlay = LabSetup.Eu.LoadUnderlay();

        var first = SitePlacement.Place(underlay, LabSetup.Eu, 42).Sites.Select(s => s.Backbone.Id);
        var second = SitePlacement.Place(underlay, LabSetup.Eu, 42).Sites.Select(s => s.Backbone.Id);

        Assert.Equal(first, second);
    }

    [Fact]
    public void Place_OtherSeeds_DrawOtherSites()
    {
        var underlay = LabSetup.De.LoadUnderlay();

        var draws = Enumerable.Range(1, 5)
            .Select(seed => string.Join(",", SitePlacement.Place(underlay, LabSetup.De, seed).Sites.Select(s => s.Backbone.Id)))
            .Distinct()
            .Count();

        Assert.Equal(5, draws);
    }

    [Fact]
    public void Place_DeSeedOne_IsPinned()
    {
        // Pins the seeded draw: a change in the rule or in Random's sequence shows here first.
        var placement = SitePlacement.Place(LabSetup.De.LoadUnderlay(), LabSetup.De, seed: 1);

        Assert.Equal(PinnedDeSeedOne, string.Join(" ", placement.Sites.Select(s => s.Backbone.Name)));
    }

    private const string PinnedDeSeedOne = "BRE JEN HAM WUE REG ADH MUE FFO CHE AUG GOE EWE HEI ZEU AAC";

    [Fact]
    public void Place_AllNodesAsSites_UsesEveryBackboneNodeOnce()
    {
        var underlay = LabSetup.Eu.LoadUnderlay();
        var setup = new LabSetup("all", UnderlayLoader.Geant2012, underlay.Nodes.Length, underlay.Nodes.Length);

        var placement = SitePlacement.Place(underlay, setup, 3);

        Assert.Equal(underlay.Nodes.Select(n => n.Id).Order(), placement.Sites.Select(s => s.Backbone.Id).Order());
    }

    [Fact]
    public void Place_UnevenSplit_GivesTheFirstSitesOneMore()
    {
        var underlay = LabSetup.Eu.LoadUnderlay();

        var placement = SitePlacement.Place(underlay, new LabSetup("odd", UnderlayLoader.Geant2012, 4, 10), 3);

        Assert.Equal([3, 3, 2, 2], placement.Nodes.GroupBy(n => n.Site).OrderBy(g => g.Key).Select(g => g.Count()));
    }

    [Theory]
    [InlineData(0, 10)]
    [InlineData(38, 60)]
    [InlineData(10, 5)]
    public void Place_ImpossibleSetup_Throws(int sites, int nodes)
    {
        var underlay = LabSetup.Eu.LoadUnderlay();

        Assert.Throws<ArgumentOutOfRangeException>(() => SitePlacement.Place(underlay, new LabSetup("x", UnderlayLoader.Geant2012, sites, nodes), 1));
    }
}
