using Bridge.Lab.CrossCheck;
using Bridge.Lab.Routing;
using Bridge.Lab.Schemes;

namespace Bridge.Lab.Tests.CrossCheck;

public sealed class CrossCheckScenarioTests
{
    [Fact]
    public void Build_Default_PlacesFiveDfnSitesWithTwoNodesEachByTheSeededRule()
    {
        var scenario = CrossCheckScenario.Build();

        var placement = scenario.Lab.Placement;
        Assert.Equal("DFN", scenario.Lab.Underlay.Name, ignoreCase: true);
        // The same draw as the full DE setup with seed 1, stopped after five sites.
        Assert.Equal(["BRE", "JEN", "HAM", "WUE", "REG"], placement.Sites.Select(s => s.Backbone.Name));
        Assert.All(Enumerable.Range(0, 5), s => Assert.Equal(2, scenario.NodesAt(s).Length));
        Assert.Equal(4, scenario.Overlay.Length); // a spanning tree of five sites
    }

    [Theory]
    [InlineData(1, HybridDeployment.ProviderGateways)]
    [InlineData(2, HybridDeployment.ProviderGateways)]
    [InlineData(3, HybridDeployment.ProviderGateways)]
    [InlineData(1, HybridDeployment.HomeGateways)]
    [InlineData(2, HybridDeployment.HomeGateways)]
    public void Build_SimulatedCopies_LieOnRealisedLinksAndHomes(int seed, HybridDeployment deployment)
    {
        var scenario = CrossCheckScenario.Build(seed, deployment: deployment);
        var realised = scenario.BackboneLinks.Select(l => l.Index).ToHashSet();
        var homes = scenario.Lab.NodeVertices.Append(scenario.Lab.SourceVertex).Select(v => scenario.Lab.AccessLinkOf(v).Index).ToHashSet();

        var used = scenario.Simulated.LinkStress.Used;

        Assert.NotEmpty(used);
        Assert.All(used, u => Assert.True(
            u.Link.Kind == LinkKind.Backbone ? realised.Contains(u.Link.Index) : homes.Contains(u.Link.Index),
            $"{scenario.Lab.Network.Describe(u.Link)} carries {u.Copies} copies but is not realised"));
        // Each home's access link carries the message once, the source's up and every node's down.
        Assert.All(homes, h => Assert.Equal(1, scenario.SimulatedCopies(scenario.Lab.Network.Links[h])));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Build_Routes_LeadFromEverySiteToEverySiteOverTheLabsPath(int seed)
    {
        var scenario = CrossCheckScenario.Build(seed);
        var lab = scenario.Lab;
        var next = scenario.Routes.ToDictionary(r => (r.Router, r.Site));
        var sites = lab.Placement.Sites.Length;

        for (var from = 0; from < sites; from++)
        {
            for (var to = 0; to < sites; to++)
            {
                if (from == to)
                {
                    continue;
                }

                var crossed = new List<int>();
                for (var at = lab.SiteVertex(from); at != lab.SiteVertex(to);)
                {
                    Assert.True(next.TryGetValue((at, to), out var route), $"router {lab.Network.VertexNames[at]} has no route to site {to}");
                    Assert.Contains(route.Via, scenario.BackboneLinks);
                    crossed.Add(route.Via.Index);
                    at = route.NextHop;
                    Assert.True(crossed.Count <= scenario.BackboneLinks.Length, "the routes loop");
                }

                var expected = lab.Routes.Path(lab.SiteVertex(to), lab.SiteVertex(from)).Links.Select(l => l.Index).Reverse();
                Assert.Equal(expected, crossed);
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Build_OverlayLinks_CrossTheSameLinksBothWays(int seed)
    {
        var scenario = CrossCheckScenario.Build(seed);
        var lab = scenario.Lab;

        Assert.All(scenario.Overlay, o => Assert.Equal(
            lab.Routes.Path(lab.SiteVertex(o.A), lab.SiteVertex(o.B)).Links.Select(l => l.Index).Order(),
            lab.Routes.Path(lab.SiteVertex(o.B), lab.SiteVertex(o.A)).Links.Select(l => l.Index).Order()));
    }

    [Fact]
    public void Build_HomeAndProviderGateways_SameCopiesOnTheSameLinks()
    {
        var provider = CrossCheckScenario.Build(1);
        var home = CrossCheckScenario.Build(1, deployment: HybridDeployment.HomeGateways);

        Assert.Equal(HybridDeployment.HomeGateways, home.Deployment);
        Assert.Equal(
            provider.Simulated.LinkStress.Used.Select(u => (u.Link.Index, u.Copies)),
            home.Simulated.LinkStress.Used.Select(u => (u.Link.Index, u.Copies)));
    }

    [Fact]
    public void Build_SameSeed_SameCopiesOnTheSameLinks()
    {
        var first = CrossCheckScenario.Build(2);
        var second = CrossCheckScenario.Build(2);

        Assert.Equal(
            first.Simulated.LinkStress.Used.Select(u => (u.Link.Index, u.Copies)),
            second.Simulated.LinkStress.Used.Select(u => (u.Link.Index, u.Copies)));
        Assert.Equal(first.Routes.Select(r => (r.Router, r.Site, r.Via.Index)), second.Routes.Select(r => (r.Router, r.Site, r.Via.Index)));
    }
}
