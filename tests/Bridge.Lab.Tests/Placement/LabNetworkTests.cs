using Bridge.Lab.Placement;
using Bridge.Lab.Routing;

namespace Bridge.Lab.Tests.Placement;

public sealed class LabNetworkTests
{
    [Fact]
    public void ForSetup_De_HasBackboneThenSourceThenNodes()
    {
        var lab = LabNetwork.ForSetup(LabSetup.De, seed: 1);

        Assert.Equal(51 + 1 + 30, lab.Network.VertexCount);
        Assert.Equal(80 + 1 + 30, lab.Network.Links.Length);
        Assert.Equal(51, lab.SourceVertex);
        Assert.Equal(Enumerable.Range(52, 30), lab.NodeVertices);
        Assert.Equal(31, lab.Network.Links.Count(l => l.Kind == LinkKind.Access));
    }

    [Fact]
    public void Build_Hosts_HangOnTheirSitesBackboneNodeWithTheAccessDelay()
    {
        var delays = new DelayModel { AccessDelay = TimeSpan.FromMilliseconds(5) };
        var underlay = LabSetup.Eu.LoadUnderlay();
        var placement = SitePlacement.Place(underlay, LabSetup.Eu, 9);

        var lab = LabNetwork.Build(underlay, placement, delays);

        var sourceAccess = lab.AccessLinkOf(lab.SourceVertex);
        Assert.Equal(placement.SourceSite.Backbone.Index, sourceAccess.Other(lab.SourceVertex));
        Assert.All(placement.Nodes, node =>
        {
            var vertex = lab.NodeVertices[node.Index];
            var access = lab.AccessLinkOf(vertex);
            Assert.Equal(lab.SiteVertex(node.Site), access.Other(vertex));
            Assert.Equal(TimeSpan.FromMilliseconds(5), access.Delay);
            Assert.Equal(LinkKind.Access, access.Kind);
        });
    }

    [Fact]
    public void Build_BackboneLinks_CarryTheDelayModelsPropagation()
    {
        var delays = new DelayModel { RouteFactor = 1.2 };
        var lab = LabNetwork.Build(LabSetup.De.LoadUnderlay(), SitePlacement.Place(LabSetup.De.LoadUnderlay(), LabSetup.De, 1), delays);

        Assert.All(lab.Underlay.Links, link => Assert.Equal(delays.Propagation(link.Km), lab.Network.Links[link.Index].Delay));
    }

    [Fact]
    public void Routes_SourceToNode_StartAndEndOnAccessLinks()
    {
        var lab = LabNetwork.ForSetup(LabSetup.Eu, seed: 2);

        Assert.All(lab.NodeVertices, node =>
        {
            var path = lab.Routes.Path(lab.SourceVertex, node);
            Assert.Same(lab.AccessLinkOf(lab.SourceVertex), path.Links[0]);
            Assert.Same(lab.AccessLinkOf(node), path.Links[^1]);
            Assert.All(path.Links.Skip(1).SkipLast(1), l => Assert.Equal(LinkKind.Backbone, l.Kind));
        });
    }

    [Fact]
    public void UnderlayLinkOf_PathLinks_AreTheBackboneLinksBetweenTheSameNodes()
    {
        var lab = LabNetwork.ForSetup(LabSetup.De, seed: 3);

        var path = lab.Routes.Path(lab.SourceVertex, lab.NodeVertices[^1]);

        Assert.True(path.Links.Length > 2, "the last node sits at another site than the source");
        Assert.Null(lab.UnderlayLinkOf(path.Links[0]));
        Assert.Null(lab.UnderlayLinkOf(path.Links[^1]));
        Assert.All(path.Links.Skip(1).SkipLast(1), link =>
        {
            var underlay = lab.UnderlayLinkOf(link)!;
            Assert.Equal((underlay.Source, underlay.Target), (link.A, link.B));
        });
    }
}
