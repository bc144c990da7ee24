using Bridge.Lab.Placement;
using Bridge.Lab.Schemes;

namespace Bridge.Lab.Tests.Schemes;

public sealed class OverlayTopologyTests
{
    [Theory]
    [InlineData("DE", 0)]
    [InlineData("DE", 2)]
    [InlineData("EU", 0)]
    [InlineData("EU", 3)]
    public void Build_PaperSetup_ConnectsEverySite(string setup, int neighbours)
    {
        var lab = LabNetwork.ForSetup(HybridRuns.SetupOf(setup), 1);
        var sites = lab.Placement.Sites.Length;

        var links = OverlayTopology.Build(lab, neighbours);

        var reached = new HashSet<int> { 0 };
        for (var grew = true; grew;)
        {
            grew = false;
            foreach (var (a, b) in links)
            {
                grew |= reached.Contains(a) ? reached.Add(b) : reached.Contains(b) && reached.Add(a);
            }
        }

        Assert.Equal(sites, reached.Count);
        Assert.All(links, l => Assert.True(l.A < l.B));
        Assert.Equal(links.Length, links.Distinct().Count());
    }

    [Fact]
    public void Build_NoNeighbours_IsTheMinimumSpanningTree()
    {
        var lab = LabNetwork.ForSetup(LabSetup.Eu, 1);

        var links = OverlayTopology.Build(lab, 0);

        Assert.Equal(lab.Placement.Sites.Length - 1, links.Length);
    }

    [Fact]
    public void Build_TwoNeighbours_EverySitePeersWithItsNearest()
    {
        var lab = LabNetwork.ForSetup(LabSetup.De, 4);
        var sites = lab.Placement.Sites.Length;

        var links = OverlayTopology.Build(lab, 2);

        for (var s = 0; s < sites; s++)
        {
            var site = s;
            var nearest = Enumerable.Range(0, sites).Where(o => o != site).MinBy(o => lab.Routes.Delay(lab.SiteVertex(site), lab.SiteVertex(o)));
            Assert.Contains((Math.Min(s, nearest), Math.Max(s, nearest)), links);
            Assert.True(links.Count(l => l.A == site || l.B == site) >= 2);
        }

        Assert.Equal(links.ToArray(), OverlayTopology.Build(lab, 2).ToArray());
    }
}
