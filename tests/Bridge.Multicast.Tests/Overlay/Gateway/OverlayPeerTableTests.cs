using Bridge.Multicast.Naming;
using Bridge.Multicast.Overlay.Gateway;
using Bridge.Multicast.Overlay.Routing;

namespace Bridge.Multicast.Tests.Overlay.Gateway;

/// <summary>The peer table: a leaf's interest lives exactly as long as the leaf is up.</summary>
public sealed class OverlayPeerTableTests
{
    private static readonly GatewayId Leaf1 = new("home-1");
    private static readonly GatewayId Leaf2 = new("home-2");
    private static readonly GroupName Group = GatewayWorld.Group;

    [Fact]
    public void LeavesWanting_TwoLeavesAskForTheGroup_BothButTheOneExcepted()
    {
        var peers = new OverlayPeerTable();
        peers.Add(Leaf1, PeerKind.Leaf);
        peers.Add(Leaf2, PeerKind.Leaf);
        peers.SetLeafInterest(Leaf1, [Group]);
        peers.SetLeafInterest(Leaf2, [Group]);

        Assert.Equal([Leaf1, Leaf2], peers.LeavesWanting(Group, except: null).Order());
        Assert.Equal([Leaf2], peers.LeavesWanting(Group, except: Leaf1));
    }

    [Fact]
    public void Add_LeafUpAgain_KeepsWhatItAskedFor()
    {
        var peers = new OverlayPeerTable();
        peers.Add(Leaf1, PeerKind.Leaf);
        peers.SetLeafInterest(Leaf1, [Group]);

        peers.Add(Leaf1, PeerKind.Leaf);

        Assert.Equal([Group], peers.LeafGroups);
    }

    [Fact]
    public void Remove_Leaf_ItsInterestGoesWithIt()
    {
        var peers = new OverlayPeerTable();
        peers.Add(Leaf1, PeerKind.Leaf);
        peers.SetLeafInterest(Leaf1, [Group]);

        Assert.True(peers.Remove(Leaf1, out var kind));

        Assert.Equal(PeerKind.Leaf, kind);
        Assert.False(peers.IsUp(Leaf1));
        Assert.Empty(peers.LeafGroups);
        Assert.False(peers.Remove(Leaf1, out _));
    }
}
