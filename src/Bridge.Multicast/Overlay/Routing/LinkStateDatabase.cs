using Bridge.Multicast.Naming;

namespace Bridge.Multicast.Overlay.Routing;

/// <summary>
/// The newest link-state advertisement of every known gateway, and the usable overlay graph and
/// group interest that follow from them. Every gateway keeps one; the flooding protocol feeds it.
/// </summary>
/// <remarks>
/// <para>
/// Invariants:
/// </para>
/// <list type="bullet">
/// <item>At most one advertisement per origin, the one with the highest sequence number seen
/// (<see cref="Install"/> ignores older and equal numbers), so the content depends only on the set
/// of advertisements received, never on the order they arrived in.</item>
/// <item>A link between A and B is <em>usable</em> only when A advertises a link to B and B
/// advertises a link to A (the two-way check of OSPF, RFC 2328 §16.1 step 2b, and IS-IS), so a
/// link that one end has given up, or a stale advertisement, cannot attract traffic.</item>
/// <item>The cost of a usable link is the larger of the two advertised costs. Both ends measure
/// the same round trip; taking one agreed value makes the graph undirected, so every gateway
/// prices each link alike whichever way a tree crosses it.</item>
/// <item><see cref="Version"/> increases whenever the usable graph or any group's interest
/// changes, and only then; <see cref="TopologyVersion"/> only when the usable graph changes.
/// Caches of derived trees key on them.</item>
/// </list>
/// <para>
/// Not thread-safe: like the other protocol state machines it belongs to one driver loop. It holds
/// no clock; ageing out the advertisements of vanished gateways is the flooding protocol's
/// decision, carried out with <see cref="Remove"/>.
/// </para>
/// </remarks>
public sealed class LinkStateDatabase
{
    private readonly Dictionary<GatewayId, LinkStateAdvertisement> _byOrigin = [];
    private readonly Dictionary<GroupName, SortedSet<GatewayId>> _interest = [];

    /// <summary>Increases whenever the usable graph or the interest of any group changes.</summary>
    public long Version { get; private set; }

    /// <summary>Increases whenever the usable graph changes.</summary>
    public long TopologyVersion { get; private set; }

    /// <summary>How many gateways have an advertisement installed.</summary>
    public int Count => _byOrigin.Count;

    /// <summary>The installed advertisements, sorted by origin.</summary>
    public IReadOnlyList<LinkStateAdvertisement> Advertisements =>
        [.. _byOrigin.Values.OrderBy(static a => a.Origin)];

    /// <summary>The installed advertisement of <paramref name="origin"/>, if any.</summary>
    public bool TryGet(GatewayId origin, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out LinkStateAdvertisement advertisement) =>
        _byOrigin.TryGetValue(origin, out advertisement);

    /// <summary>
    /// Installs <paramref name="advertisement"/> if it is the first of its origin or newer than
    /// the one held; otherwise ignores it (<see cref="LinkStateOutcome.Stale"/>,
    /// <see cref="LinkStateOutcome.Duplicate"/>) and changes nothing.
    /// </summary>
    public LinkStateChange Install(LinkStateAdvertisement advertisement)
    {
        ArgumentNullException.ThrowIfNull(advertisement);
        var held = _byOrigin.GetValueOrDefault(advertisement.Origin);
        if (held is not null)
        {
            if (advertisement.Sequence < held.Sequence)
            {
                return LinkStateChange.Ignored(LinkStateOutcome.Stale);
            }

            if (advertisement.Sequence == held.Sequence)
            {
                return LinkStateChange.Ignored(LinkStateOutcome.Duplicate);
            }
        }

        return Apply(advertisement.Origin, held, advertisement, held is null ? LinkStateOutcome.Installed : LinkStateOutcome.Replaced);
    }

    /// <summary>
    /// Forgets the advertisement of <paramref name="origin"/> (the gateway is gone or its
    /// advertisement aged out): its links stop being usable and its interest is withdrawn.
    /// </summary>
    /// <remarks>
    /// A later advertisement of the same origin is installed whatever its number, since nothing is
    /// held to compare with; the flooding protocol decides how long to remember removed numbers.
    /// </remarks>
    public LinkStateChange Remove(GatewayId origin)
    {
        var held = _byOrigin.GetValueOrDefault(origin);
        return held is null
            ? LinkStateChange.Ignored(LinkStateOutcome.NotFound)
            : Apply(origin, held, null, LinkStateOutcome.Removed);
    }

    /// <summary>Whether <paramref name="a"/> and <paramref name="b"/> both advertise the link between them.</summary>
    public bool IsUsable(GatewayId a, GatewayId b) => TryGetUsableCost(a, b, out _);

    /// <summary>The cost of the usable link between two gateways: the larger of the two advertised costs.</summary>
    public bool TryGetUsableCost(GatewayId a, GatewayId b, out uint costMicroseconds)
    {
        costMicroseconds = 0;
        if (!_byOrigin.TryGetValue(a, out var fromA) || !_byOrigin.TryGetValue(b, out var fromB)
            || !fromA.TryGetCost(b, out var ab) || !fromB.TryGetCost(a, out var ba))
        {
            return false;
        }

        costMicroseconds = Math.Max(ab, ba);
        return true;
    }

    /// <summary>The gateways that advertise interest in <paramref name="group"/>, sorted by id.</summary>
    public IReadOnlyCollection<GatewayId> InterestedIn(GroupName group)
    {
        ArgumentNullException.ThrowIfNull(group);
        return _interest.TryGetValue(group, out var members) ? members : [];
    }

    private LinkStateChange Apply(GatewayId origin, LinkStateAdvertisement? before, LinkStateAdvertisement? after, LinkStateOutcome outcome)
    {
        // The usable links that touch the origin, before and after; nothing else can change.
        var usableBefore = UsableLinksOf(origin);
        if (after is null)
        {
            _byOrigin.Remove(origin);
        }
        else
        {
            _byOrigin[origin] = after;
        }

        var usableAfter = UsableLinksOf(origin);
        var topologyChanged = !usableBefore.SequenceEqual(usableAfter);

        var changedGroups = new List<GroupName>();
        var groupsBefore = before?.Groups ?? [];
        var groupsAfter = after?.Groups ?? [];
        foreach (var group in groupsBefore.Except(groupsAfter))
        {
            var members = _interest[group];
            members.Remove(origin);
            if (members.Count == 0)
            {
                _interest.Remove(group);
            }

            changedGroups.Add(group);
        }

        foreach (var group in groupsAfter.Except(groupsBefore))
        {
            if (!_interest.TryGetValue(group, out var members))
            {
                members = [];
                _interest.Add(group, members);
            }

            members.Add(origin);
            changedGroups.Add(group);
        }

        changedGroups.Sort(static (a, b) => string.CompareOrdinal(a.Canonical, b.Canonical));
        if (topologyChanged)
        {
            TopologyVersion++;
        }

        if (topologyChanged || changedGroups.Count > 0)
        {
            Version++;
        }

        return new LinkStateChange(outcome, topologyChanged, changedGroups);
    }

    /// <summary>The usable links of <paramref name="origin"/> as (neighbour, agreed cost), sorted by neighbour.</summary>
    private List<AdvertisedLink> UsableLinksOf(GatewayId origin)
    {
        var usable = new List<AdvertisedLink>();
        if (_byOrigin.TryGetValue(origin, out var own))
        {
            foreach (var link in own.Links)
            {
                if (TryGetUsableCost(origin, link.Neighbor, out var cost))
                {
                    usable.Add(link with { CostMicroseconds = cost });
                }
            }
        }

        return usable;
    }
}
