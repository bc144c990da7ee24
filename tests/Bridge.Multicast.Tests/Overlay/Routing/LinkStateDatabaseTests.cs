using Bridge.Multicast.Overlay.Routing;
using static Bridge.Multicast.Tests.Overlay.Routing.Lsa;

namespace Bridge.Multicast.Tests.Overlay.Routing;

/// <summary>Installing, ignoring and removing advertisements, and the two-way check.</summary>
public sealed class LinkStateDatabaseTests
{
    [Fact]
    public void Install_First_IsInstalledAndBumpsVersionOnlyForInterest()
    {
        var database = new LinkStateDatabase();

        var change = database.Install(Of("a", 1, ["b:5"], Tariff));

        Assert.Equal(LinkStateOutcome.Installed, change.Outcome);
        Assert.False(change.TopologyChanged); // b has not advertised the link back yet
        Assert.Equal([Tariff], change.ChangedGroups);
        Assert.Equal(1, database.Version);
        Assert.Equal(0, database.TopologyVersion);
        Assert.Equal([Id("a")], database.InterestedIn(Tariff));
    }

    [Fact]
    public void Install_OlderSequence_IsIgnored()
    {
        var database = new LinkStateDatabase();
        database.Install(Of("a", 7, ["b:5"], Tariff));
        database.Install(Of("b", 1, ["a:5"]));
        var version = database.Version;

        var change = database.Install(Of("a", 6, ["c:1"]));

        Assert.Equal(LinkStateOutcome.Stale, change.Outcome);
        Assert.False(change.TreesChanged);
        Assert.Equal(version, database.Version);
        Assert.True(database.TryGet(Id("a"), out var held));
        Assert.Equal(7UL, held.Sequence);
        Assert.True(database.IsUsable(Id("a"), Id("b")));
        Assert.Equal([Id("a")], database.InterestedIn(Tariff));
    }

    [Fact]
    public void Install_SameSequenceOtherContent_IsIgnoredAsDuplicate()
    {
        var database = new LinkStateDatabase();
        database.Install(Of("a", 7, ["b:5"]));

        var change = database.Install(Of("a", 7, ["b:9"], Tariff));

        Assert.Equal(LinkStateOutcome.Duplicate, change.Outcome);
        Assert.True(database.TryGet(Id("a"), out var held));
        Assert.Equal(5U, held.Links[0].CostMicroseconds);
        Assert.Empty(database.InterestedIn(Tariff));
    }

    [Fact]
    public void Install_NewerSequence_ReplacesAndReportsTheChange()
    {
        var database = new LinkStateDatabase();
        database.Install(Of("a", 1, ["b:5"]));
        database.Install(Of("b", 1, ["a:5"]));

        var change = database.Install(Of("a", 2, ["b:8"]));

        Assert.Equal(LinkStateOutcome.Replaced, change.Outcome);
        Assert.True(change.TopologyChanged);
        Assert.True(database.TryGetUsableCost(Id("b"), Id("a"), out var cost));
        Assert.Equal(8U, cost);
    }

    [Fact]
    public void Install_NewerSequenceSameUsableGraph_ReportsNoChange()
    {
        var database = new LinkStateDatabase();
        database.Install(Of("a", 1, ["b:5"], Tariff));
        database.Install(Of("b", 1, ["a:9"]));
        var version = database.Version;

        // a lowers its own cost, but the agreed cost is still b's 9.
        var change = database.Install(Of("a", 2, ["b:4"], Tariff));

        Assert.Equal(LinkStateOutcome.Replaced, change.Outcome);
        Assert.False(change.TreesChanged);
        Assert.Equal(version, database.Version);
    }

    [Fact]
    public void Install_OneWayLink_IsNotUsableAndNotRoutedOver()
    {
        // s claims a direct link to t; t does not advertise it back. s–a–t is two-way.
        var database = new LinkStateDatabase();
        database.Install(Of("s", 1, ["t:1", "a:10"]));
        database.Install(Of("a", 1, ["s:10", "t:10"]));
        database.Install(Of("t", 1, ["a:10"], Tariff));

        var tree = new ShortestPathTrees(database).GetTree(Id("s"), Tariff);

        Assert.False(database.IsUsable(Id("s"), Id("t")));
        Assert.False(database.IsUsable(Id("t"), Id("s")));
        Assert.True(tree.TryGetParent(Id("t"), out var parent));
        Assert.Equal(Id("a"), parent);
    }

    [Fact]
    public void Install_OtherEndAdvertisesTheLink_LinkBecomesUsable()
    {
        var database = new LinkStateDatabase();
        database.Install(Of("a", 1, ["b:5"]));
        database.Install(Of("b", 1, []));
        Assert.False(database.IsUsable(Id("a"), Id("b")));

        var change = database.Install(Of("b", 2, ["a:5"]));

        Assert.True(change.TopologyChanged);
        Assert.Equal(1, database.TopologyVersion);
        Assert.True(database.IsUsable(Id("a"), Id("b")));
    }

    [Fact]
    public void Install_LinkWithdrawn_TreeRoutesAroundIt()
    {
        var database = Topology(["s-a:1", "a-t:1", "s-b:5", "b-t:5"], "t");
        var trees = new ShortestPathTrees(database);
        Assert.Equal([Id("a")], trees.GetTree(Id("s"), Tariff).ChildrenOf(Id("s")));

        // a gives up its link to t; t still advertises it, but one end is enough to stop using it.
        var change = database.Install(Of("a", 2, ["s:1"]));
        var tree = trees.GetTree(Id("s"), Tariff);

        Assert.True(change.TopologyChanged);
        Assert.Equal([Id("b")], tree.ChildrenOf(Id("s")));
        TreeChecks.AssertWellFormed(tree, database, [Id("t")]);
    }

    [Fact]
    public void Remove_TransitGateway_TreeRoutesAroundItLoopFree()
    {
        var database = Topology(["s-a:1", "a-t:1", "s-b:5", "b-t:5", "a-b:1"], "t", "b");
        var trees = new ShortestPathTrees(database);
        Assert.True(trees.GetTree(Id("s"), Tariff).Contains(Id("a")));

        var change = database.Remove(Id("a"));
        var tree = trees.GetTree(Id("s"), Tariff);

        Assert.Equal(LinkStateOutcome.Removed, change.Outcome);
        Assert.True(change.TopologyChanged);
        Assert.False(tree.Contains(Id("a")));
        Assert.False(database.IsUsable(Id("s"), Id("a")));
        TreeChecks.AssertWellFormed(tree, database, [Id("b"), Id("t")]);
        Assert.True(tree.TryGetParent(Id("t"), out var parent));
        Assert.Equal(Id("b"), parent);
    }

    [Fact]
    public void Remove_MemberGateway_WithdrawsItsInterest()
    {
        var database = Topology(["s-a:1"], "a");

        var change = database.Remove(Id("a"));

        Assert.Equal([Tariff], change.ChangedGroups);
        Assert.Empty(database.InterestedIn(Tariff));
        Assert.Empty(new ShortestPathTrees(database).GetTree(Id("s"), Tariff).Members);
    }

    [Fact]
    public void Remove_Unknown_ReportsNotFound()
    {
        var database = Topology(["s-a:1"], "a");
        var version = database.Version;

        Assert.Equal(LinkStateOutcome.NotFound, database.Remove(Id("x")).Outcome);
        Assert.Equal(version, database.Version);
    }

    [Fact]
    public void Remove_ThenOlderSequence_IsInstalledAgain()
    {
        var database = new LinkStateDatabase();
        database.Install(Of("a", 9, []));
        database.Remove(Id("a"));

        Assert.Equal(LinkStateOutcome.Installed, database.Install(Of("a", 3, [])).Outcome);
    }

    public static TheoryData<string, string[]> MalformedLinks() => new()
    {
        { "self link", ["a:5"] },
        { "zero cost", ["b:0"] },
        { "neighbour twice", ["b:5", "c:1", "b:6"] },
    };

    [Theory]
    [MemberData(nameof(MalformedLinks))]
    public void LinkStateAdvertisement_MalformedLinks_Throws(string why, string[] links)
    {
        Assert.Throws<ArgumentException>(() => Of("a", 1, links));
        Assert.NotEmpty(why);
    }

    [Fact]
    public void LinkStateAdvertisement_DefaultOrigin_Throws()
    {
        Assert.Throws<ArgumentException>(() => new LinkStateAdvertisement(default, 1, [], []));
        Assert.Throws<ArgumentException>(() => new GatewayId(""));
    }

    [Fact]
    public void LinkStateAdvertisement_LinksAndGroupsInAnyOrder_AreSorted()
    {
        var schedule = Bridge.Multicast.Naming.GroupName.Parse("ham:sg:vpp.schedule");
        var advertisement = Of("a", 1, ["c:1", "B:2", "b:3"], schedule, Tariff, schedule);

        Assert.Equal([Id("B"), Id("b"), Id("c")], advertisement.Links.Select(l => l.Neighbor));
        Assert.Equal([Tariff, schedule], advertisement.Groups);
        Assert.True(advertisement.TryGetCost(Id("b"), out var cost));
        Assert.Equal(3U, cost);
        Assert.False(advertisement.TryGetCost(Id("d"), out _));
    }
}
