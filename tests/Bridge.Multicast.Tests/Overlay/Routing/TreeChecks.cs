using Bridge.Multicast.Overlay.Routing;

namespace Bridge.Multicast.Tests.Overlay.Routing;

/// <summary>The structural invariants of a <see cref="MulticastTree"/>, checked the long way round.</summary>
internal static class TreeChecks
{
    /// <summary>
    /// The tree is a tree rooted at its source over usable links (one parent each, no cycle,
    /// children mirror parents), every leaf but the source is a member, and its members are
    /// exactly <paramref name="expectedMembers"/>.
    /// </summary>
    public static void AssertWellFormed(MulticastTree tree, LinkStateDatabase database, IEnumerable<GatewayId> expectedMembers)
    {
        Assert.Equal(expectedMembers.Order().ToList(), tree.Members.ToList());
        Assert.Contains(tree.Source, tree.Gateways);
        Assert.False(tree.TryGetParent(tree.Source, out _), "the source has a parent");
        Assert.Equal(tree.Gateways.Count - 1, tree.EdgeCount);
        Assert.Equal(tree.Gateways.Count, tree.Gateways.Distinct().Count());

        var onTree = tree.Gateways.ToHashSet();
        foreach (var member in tree.Members)
        {
            Assert.Contains(member, onTree);
        }

        var childCount = 0;
        foreach (var gateway in tree.Gateways)
        {
            foreach (var child in tree.ChildrenOf(gateway))
            {
                childCount++;
                Assert.True(tree.TryGetParent(child, out var parentOfChild) && parentOfChild == gateway, $"{child} is a child of {gateway} but not its child by parent");
            }

            if (gateway != tree.Source)
            {
                Assert.True(tree.TryGetParent(gateway, out var parent), $"{gateway} on the tree has no parent");
                Assert.Contains(parent, onTree);
                Assert.True(database.IsUsable(parent, gateway), $"{parent}–{gateway} is not a usable link");
                if (tree.ChildrenOf(gateway).Count == 0)
                {
                    Assert.True(tree.IsMember(gateway), $"leaf {gateway} is not a member: not pruned");
                }

                // Following parents reaches the source in fewer steps than there are gateways.
                var walker = gateway;
                var steps = 0;
                while (walker != tree.Source)
                {
                    Assert.True(tree.TryGetParent(walker, out walker));
                    Assert.True(++steps < tree.Gateways.Count, $"a cycle through {gateway}");
                }
            }
        }

        Assert.Equal(tree.EdgeCount, childCount);
    }

    /// <summary>
    /// Sends one message from the source along each gateway's next hops as that gateway computes
    /// them; returns how often each gateway received it and how many links it crossed.
    /// </summary>
    public static (Dictionary<GatewayId, int> Received, int Crossings) Forward(
        MulticastTree tree, Func<GatewayId, IReadOnlyList<GatewayId>> nextHopsOf, LinkStateDatabase database, int limit)
    {
        var received = new Dictionary<GatewayId, int> { [tree.Source] = 1 };
        var crossings = 0;
        var pending = new Queue<GatewayId>([tree.Source]);
        while (pending.TryDequeue(out var at))
        {
            foreach (var next in nextHopsOf(at))
            {
                Assert.True(database.IsUsable(at, next), $"forwarded over {at}–{next}, not a usable link");
                crossings++;
                Assert.True(crossings <= limit, "forwarding does not stop: a loop");
                received[next] = received.GetValueOrDefault(next) + 1;
                pending.Enqueue(next);
            }
        }

        return (received, crossings);
    }
}
