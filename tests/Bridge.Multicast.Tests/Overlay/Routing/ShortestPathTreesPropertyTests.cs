using Bridge.Multicast.Naming;
using Bridge.Multicast.Overlay.Routing;
using FsCheck.Xunit;

namespace Bridge.Multicast.Tests.Overlay.Routing;

/// <summary>
/// The trees over random connected overlays of up to 100 gateways, against the invariants of
/// <see cref="MulticastTree"/> and an independent shortest-path computation.
/// </summary>
public sealed class ShortestPathTreesPropertyTests
{
    private static readonly GroupName[] Groups = [RandomOverlay.Tariff, RandomOverlay.Schedule];

    [Property(Arbitrary = [typeof(RandomOverlayGenerators)], MaxTest = 100)]
    public void GetTree_RandomOverlay_IsATreeSpanningExactlyTheReachableMembers(RandomOverlay overlay)
    {
        var database = overlay.Database();
        var trees = new ShortestPathTrees(database);
        var reference = ReferenceRouting.From(overlay, overlay.Source);

        foreach (var group in Groups)
        {
            var tree = trees.GetTree(overlay.Ids[overlay.Source], group);

            var expected = overlay.MembersOf(group).Where(m => reference.Distance[m] != ReferenceRouting.Unreachable).Select(m => overlay.Ids[m]);
            TreeChecks.AssertWellFormed(tree, database, expected);
        }
    }

    [Property(Arbitrary = [typeof(RandomOverlayGenerators)], MaxTest = 40)]
    public void GetTree_SameAdvertisementsInAnotherOrderWithStaleOnes_GivesTheSameTreeFromEverySource(RandomOverlay overlay, int shuffleSeed)
    {
        var inOrder = overlay.Database();

        // Another gateway's copy: the same newest advertisements in another order, interleaved
        // with older ones that describe a different overlay (every link reversed in cost, no interest).
        var random = new Random(shuffleSeed);
        var older = overlay.Advertisements(sequence: 3)
            .Select(a => new LinkStateAdvertisement(a.Origin, a.Sequence, a.Links.Select(l => l with { CostMicroseconds = 21 - l.CostMicroseconds }), []));
        var arrivals = overlay.Advertisements().Concat(older).Concat(overlay.Advertisements()).ToArray();
        random.Shuffle(arrivals);
        var shuffled = new LinkStateDatabase();
        foreach (var advertisement in arrivals)
        {
            shuffled.Install(advertisement);
        }

        var mine = new ShortestPathTrees(inOrder);
        var theirs = new ShortestPathTrees(shuffled);
        foreach (var source in overlay.Ids)
        {
            foreach (var group in Groups)
            {
                Assert.Equal(Describe(mine.GetTree(source, group)), Describe(theirs.GetTree(source, group)));
            }
        }
    }

    [Property(Arbitrary = [typeof(RandomOverlayGenerators)], MaxTest = 100)]
    public void GetTree_RandomOverlay_PathsHaveLeastCostAndParentsFollowTheTieBreak(RandomOverlay overlay)
    {
        var database = overlay.Database();
        var trees = new ShortestPathTrees(database);
        var reference = ReferenceRouting.From(overlay, overlay.Source);
        var index = Enumerable.Range(0, overlay.Count).ToDictionary(i => overlay.Ids[i]);

        foreach (var group in Groups)
        {
            var tree = trees.GetTree(overlay.Ids[overlay.Source], group);
            foreach (var gateway in tree.Gateways)
            {
                var node = index[gateway];

                // Sum the costs along the parents, from the database's view of each link.
                ulong total = 0;
                var walker = gateway;
                while (tree.TryGetParent(walker, out var parent))
                {
                    Assert.True(database.TryGetUsableCost(parent, walker, out var cost));
                    total += cost;
                    walker = parent;
                }

                Assert.Equal(reference.Distance[node], total);
                Assert.True(tree.TryGetDistance(gateway, out var reported));
                Assert.Equal(reference.Distance[node], reported);
                if (gateway != tree.Source)
                {
                    Assert.True(tree.TryGetParent(gateway, out var chosen));
                    Assert.Equal(reference.ExpectedParent(overlay, node), chosen);
                }
            }
        }
    }

    [Property(Arbitrary = [typeof(RandomOverlayGenerators)], MaxTest = 100)]
    public void NextHops_ForwardingFromTheSource_DeliversToEachMemberOnceOverTreeEdgesOnly(RandomOverlay overlay)
    {
        // Each gateway forwards by its own copy of the database (three copies, each filled in
        // another order), as in the overlay.
        var copies = Enumerable.Range(0, 3).Select(c =>
        {
            var arrivals = overlay.Advertisements().ToArray();
            new Random(overlay.Seed + c).Shuffle(arrivals);
            var database = new LinkStateDatabase();
            foreach (var advertisement in arrivals)
            {
                database.Install(advertisement);
            }

            return new ShortestPathTrees(database);
        }).ToArray();
        var copyOf = Enumerable.Range(0, overlay.Count).ToDictionary(i => overlay.Ids[i], i => copies[i % copies.Length]);
        var reference = overlay.Database();
        var source = overlay.Ids[overlay.Source];

        foreach (var group in Groups)
        {
            var tree = new ShortestPathTrees(reference).GetTree(source, group);

            var (received, crossings) = TreeChecks.Forward(tree, self => copyOf[self].NextHops(self, source, group), reference, limit: 10 * overlay.Count);

            Assert.Equal(tree.EdgeCount, crossings);
            Assert.All(received, r => Assert.Equal(1, r.Value));
            var reachedMembers = received.Keys.Where(g => copyOf[g].GetPosition(g, source, group).IsMember).Order();
            Assert.Equal(tree.Members, reachedMembers);
            Assert.Equal(overlay.MembersOf(group).Select(m => overlay.Ids[m]).Where(tree.Contains).Order(), tree.Members);
        }
    }

    [Property(Arbitrary = [typeof(RandomOverlayGenerators)], MaxTest = 60)]
    public void RemoveOrWithdraw_GatewaysAndLinksOneByOne_TreesFollowTheReferenceAndStayLoopFree(RandomOverlay overlay, int changeSeed)
    {
        var database = overlay.Database();
        var trees = new ShortestPathTrees(database);
        var random = new Random(changeSeed);
        var current = overlay.Advertisements().ToList();
        var removed = new HashSet<int>();
        var withdrawn = new HashSet<(int, int)>();
        var index = Enumerable.Range(0, overlay.Count).ToDictionary(i => overlay.Ids[i]);

        for (var step = 0; step < 12; step++)
        {
            var candidates = Enumerable.Range(0, overlay.Count).Where(i => i != overlay.Source && !removed.Contains(i)).ToList();
            var withLinks = Enumerable.Range(0, overlay.Count).Where(i => !removed.Contains(i) && current[i].Links.Count > 0).ToList();
            if (random.Next(2) == 0 && withLinks.Count > 0)
            {
                // One end stops advertising a link: by the two-way rule it is gone for both.
                var at = withLinks[random.Next(withLinks.Count)];
                var drop = current[at].Links[random.Next(current[at].Links.Count)];
                current[at] = new LinkStateAdvertisement(current[at].Origin, current[at].Sequence + 1, current[at].Links.Where(l => l != drop), current[at].Groups);
                Assert.Equal(LinkStateOutcome.Replaced, database.Install(current[at]).Outcome);
                var other = index[drop.Neighbor];
                withdrawn.Add((Math.Min(at, other), Math.Max(at, other)));
            }
            else if (candidates.Count > 0)
            {
                var gone = candidates[random.Next(candidates.Count)];
                Assert.Equal(LinkStateOutcome.Removed, database.Remove(overlay.Ids[gone]).Outcome);
                removed.Add(gone);
            }

            var reference = ReferenceRouting.From(overlay, overlay.Source, removed, withdrawn);
            foreach (var group in Groups)
            {
                var tree = trees.GetTree(overlay.Ids[overlay.Source], group);
                var expected = overlay.MembersOf(group)
                    .Where(m => !removed.Contains(m) && reference.Distance[m] != ReferenceRouting.Unreachable)
                    .Select(m => overlay.Ids[m]);
                TreeChecks.AssertWellFormed(tree, database, expected);
                Assert.All(removed, gone => Assert.DoesNotContain(overlay.Ids[gone], tree.Gateways));
                foreach (var gateway in tree.Gateways)
                {
                    Assert.True(tree.TryGetDistance(gateway, out var distance));
                    Assert.Equal(reference.Distance[index[gateway]], distance);
                }
            }
        }
    }

    /// <summary>
    /// Every gateway with its parent and children, and the members: one string, so that two trees
    /// compare in one assertion (xunit's collection comparison is slow over a million calls).
    /// </summary>
    private static string Describe(MulticastTree tree)
    {
        var text = new System.Text.StringBuilder();
        foreach (var gateway in tree.Gateways)
        {
            text.Append(gateway.Value).Append('<').Append(tree.TryGetParent(gateway, out var parent) ? parent.Value : "-")
                .Append('>').AppendJoin(',', tree.ChildrenOf(gateway)).Append(tree.IsMember(gateway) ? "*" : string.Empty).Append(' ');
        }

        return text.ToString();
    }
}
