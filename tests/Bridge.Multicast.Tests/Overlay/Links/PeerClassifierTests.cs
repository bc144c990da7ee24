using Bridge.Multicast.Overlay.Gateway;
using Bridge.Multicast.Overlay.Links;
using Bridge.Multicast.Overlay.Routing;

namespace Bridge.Multicast.Tests.Overlay.Links;

/// <summary>What a gateway makes of the authenticated name at the other end of a link.</summary>
public sealed class PeerClassifierTests
{
    private static readonly GatewayId Self = new("gw-a");
    private static readonly GatewayId Configured = new("gw-b");
    private static readonly GatewayId Other = new("home-7");

    [Theory]
    [InlineData("gw-b", true, true, PeerKind.Gateway)]
    [InlineData("gw-b", false, true, PeerKind.Gateway)]
    [InlineData("home-7", true, true, PeerKind.Leaf)]
    [InlineData("home-7", false, false, PeerKind.Leaf)]
    [InlineData("gw-a", true, false, PeerKind.Leaf)]
    public void TryClassify_TransitGateway_ConfiguredPeersAreGatewaysOthersLeaves(string peer, bool acceptLeaves, bool taken, PeerKind kind)
    {
        var classifier = new PeerClassifier(new GatewayOptions { Id = Self }, [Configured], acceptLeaves);

        Assert.Equal(taken, classifier.TryClassify(new GatewayId(peer), out var actual));
        Assert.Equal(kind, actual);
    }

    [Theory]
    [InlineData("gw-b", true)]
    [InlineData("gw-c", true)]
    [InlineData("home-7", false)]
    public void TryClassify_LeafGateway_OnlyItsUpstreams(string peer, bool taken)
    {
        var leaf = new GatewayOptions { Id = new("home-1"), Role = GatewayRole.Leaf, Upstreams = [Configured, new GatewayId("gw-c")] };
        var classifier = new PeerClassifier(leaf, [Other], acceptLeaves: true);

        Assert.Equal(taken, classifier.TryClassify(new GatewayId(peer), out var kind));
        Assert.Equal(PeerKind.Upstream, kind);
    }
}
