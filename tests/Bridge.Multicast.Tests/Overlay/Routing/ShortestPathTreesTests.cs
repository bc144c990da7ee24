using Bridge.Multicast.Naming;
using Bridge.Multicast.Overlay.Routing;
using static Bridge.Multicast.Tests.Overlay.Routing.Lsa;

namespace Bridge.Multicast.Tests.Overlay.Routing;

/// <summary>Hand-made overlays whose trees are known.</summary>
public sealed class ShortestPathTreesTests
{
    [Fact]
    public void GetTree_DiamondWithUnequalCosts_TakesTheLowestDelayPath()
    {
        // s–a 100, a–t 100 (200 in all) against s–b 50, b–t 120 (170 in all).
        var trees = new ShortestPathTrees(Topology(["s-a:100", "a-t:100", "s-b:50", "b-t:120"], "t"));

        var tree = trees.GetTree(Id("s"), Tariff);

        Assert.True(tree.TryGetParent(Id("t"), out var parent));
        Assert.Equal(Id("b"), parent);
        Assert.True(tree.TryGetDistance(Id("t"), out var distance));
        Assert.Equal(170UL, distance);
        Assert.Equal([Id("b"), Id("s"), Id("t")], tree.Gateways);
        Assert.Equal(2, tree.EdgeCount);
    }

    [Fact]
    public void GetTree_DiamondWithEqualCosts_ParentIsTheLowerId()
    {
        // Both ways cost 20. "m" is installed before "k", and the links of "t" list it first;
        // the lower id "k" must win anyway.
        var database = new LinkStateDatabase();
        database.Install(Of("m", 1, ["s:10", "t:10"]));
        database.Install(Of("t", 1, ["m:10", "k:10"], Tariff));
        database.Install(Of("s", 1, ["m:10", "k:10"]));
        database.Install(Of("k", 1, ["t:10", "s:10"]));

        var tree = new ShortestPathTrees(database).GetTree(Id("s"), Tariff);

        Assert.True(tree.TryGetParent(Id("t"), out var parent));
        Assert.Equal(Id("k"), parent);
        Assert.DoesNotContain(Id("m"), tree.Gateways);
    }

    [Fact]
    public void GetTree_EqualCostsIdsCompareOrdinally_UppercaseBeforeLowercase()
    {
        // Ordinal order puts "Z" (0x5A) before "a" (0x61); a culture-aware order would not.
        var trees = new ShortestPathTrees(Topology(["s-a:1", "s-Z:1", "a-t:1", "Z-t:1"], "t"));

        Assert.Equal(Id("Z"), trees.GetPosition(Id("t"), Id("s"), Tariff).Parent);
    }

    [Fact]
    public void GetTree_BranchWithoutInterest_IsPruned()
    {
        // s–a–b with interest at b; s–c–d with no interest anywhere on that side.
        var trees = new ShortestPathTrees(Topology(["s-a:5", "a-b:5", "s-c:1", "c-d:1"], "b"));

        var tree = trees.GetTree(Id("s"), Tariff);

        Assert.Equal([Id("a"), Id("b"), Id("s")], tree.Gateways);
        Assert.Equal([Id("a")], tree.ChildrenOf(Id("s")));
        Assert.False(tree.Contains(Id("c")));
        Assert.Equal(new TreePosition(false, null, [], false), trees.GetPosition(Id("d"), Id("s"), Tariff) with { Children = [] });
        Assert.Empty(trees.NextHops(Id("c"), Id("s"), Tariff));
    }

    [Fact]
    public void GetPosition_TransitGateway_HasParentChildrenAndNoMembership()
    {
        // s–a, a–b, a–c: a carries the group for b and c without wanting it.
        var trees = new ShortestPathTrees(Topology(["s-a:3", "a-b:3", "a-c:3"], "b", "c"));

        var position = trees.GetPosition(Id("a"), Id("s"), Tariff);

        Assert.True(position.OnTree);
        Assert.False(position.IsMember);
        Assert.Equal(Id("s"), position.Parent);
        Assert.Equal([Id("b"), Id("c")], position.Children);
        Assert.Equal([Id("b"), Id("c")], trees.NextHops(Id("a"), Id("s"), Tariff));
    }

    [Fact]
    public void GetPosition_Source_HasNoParentAndIsMemberOnlyIfInterested()
    {
        var trees = new ShortestPathTrees(Topology(["s-a:3"], "s", "a"));

        var position = trees.GetPosition(Id("s"), Id("s"), Tariff);

        Assert.Null(position.Parent);
        Assert.True(position.IsMember);
        Assert.Equal([Id("a")], position.Children);
    }

    [Fact]
    public void GetTree_NoMembers_IsTheSourceAlone()
    {
        var tree = new ShortestPathTrees(Topology(["s-a:3", "a-b:3"])).GetTree(Id("s"), Tariff);

        Assert.Equal([Id("s")], tree.Gateways);
        Assert.Empty(tree.Members);
        Assert.Equal(0, tree.EdgeCount);
    }

    [Fact]
    public void GetTree_UnknownSource_IsTheSourceAlone()
    {
        var tree = new ShortestPathTrees(Topology(["s-a:3"], "a")).GetTree(Id("nobody"), Tariff);

        Assert.Equal([Id("nobody")], tree.Gateways);
        Assert.Empty(tree.Members);
    }

    [Fact]
    public void GetTree_OtherGroup_HasItsOwnMembers()
    {
        var schedule = GroupName.Parse("ham:sg:vpp.schedule");
        var database = Topology(["s-a:3", "s-b:3"], "a");
        database.Install(Of("b", 2, ["s:3"], schedule));

        var trees = new ShortestPathTrees(database);

        Assert.Equal([Id("a")], trees.GetTree(Id("s"), Tariff).Members);
        Assert.Equal([Id("b")], trees.GetTree(Id("s"), schedule).Members);
    }

    [Fact]
    public void GetTree_AsymmetricAdvertisedCosts_UsesTheLargerForBothDirections()
    {
        // s says s–a costs 1, a says 50; s–b–a costs 10 + 10 both ways.
        var database = new LinkStateDatabase();
        database.Install(Of("s", 1, ["a:1", "b:10"]));
        database.Install(Of("a", 1, ["s:50", "b:10"], Tariff));
        database.Install(Of("b", 1, ["s:10", "a:10"]));

        var tree = new ShortestPathTrees(database).GetTree(Id("s"), Tariff);

        Assert.True(tree.TryGetParent(Id("a"), out var parent));
        Assert.Equal(Id("b"), parent);
        Assert.True(database.TryGetUsableCost(Id("a"), Id("s"), out var cost));
        Assert.Equal(50U, cost);
    }

    [Fact]
    public void GetTree_AfterTheDatabaseChanges_IsRecomputedNotServedFromCache()
    {
        var database = Topology(["s-a:100", "a-t:100", "s-b:50", "b-t:120"], "t");
        var trees = new ShortestPathTrees(database);
        var before = trees.GetTree(Id("s"), Tariff);

        database.Install(Of("b", 2, ["s:50", "t:200"]));
        var after = trees.GetTree(Id("s"), Tariff);

        Assert.Same(after, trees.GetTree(Id("s"), Tariff));
        Assert.NotSame(before, after);
        Assert.True(before.TryGetParent(Id("t"), out var oldParent));
        Assert.True(after.TryGetParent(Id("t"), out var newParent));
        Assert.Equal(Id("b"), oldParent);
        Assert.Equal(Id("a"), newParent);
    }

    [Fact]
    public void GetTree_InterestChangesOnly_TreeFollowsIt()
    {
        var database = Topology(["s-a:1", "a-b:1"], "a");
        var trees = new ShortestPathTrees(database);
        Assert.Equal([Id("a")], trees.GetTree(Id("s"), Tariff).Members);

        var change = database.Install(Of("b", 2, ["a:1"], Tariff));

        Assert.False(change.TopologyChanged);
        Assert.Equal([Tariff], change.ChangedGroups);
        Assert.Equal([Id("a"), Id("b")], trees.GetTree(Id("s"), Tariff).Members);
    }
}
