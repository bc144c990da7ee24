using Bridge.Multicast.Naming;

namespace Bridge.Multicast.Overlay.Routing;

/// <summary>
/// What one gateway tells the overlay about itself: its overlay links with their measured
/// round-trip times and the groups its domain has members for, stamped with a sequence number.
/// Immutable; a gateway that changes anything issues a new advertisement with a higher number.
/// </summary>
/// <remarks>
/// <para>
/// Sequence numbers are unsigned 64-bit and compared plainly (no wrap-around arithmetic): a
/// gateway that advertised once a millisecond would need 584 million years to exhaust them. A
/// restarting gateway must start above its previous numbers (for instance from its persisted or
/// wall-clock-derived counter); otherwise its peers keep the older, higher-numbered advertisement.
/// </para>
/// <para>
/// Invariants checked at construction (a decoder of untrusted frames checks them first and drops
/// the frame with a reason instead of constructing): the origin is a real id, no link points to
/// the origin itself, no neighbour appears twice, every cost is at least 1. Links are kept sorted
/// by neighbour id and groups by canonical name, so equal content compares equal in any order.
/// </para>
/// </remarks>
public sealed class LinkStateAdvertisement
{
    /// <summary>An advertisement; see the class remarks for what is refused.</summary>
    /// <exception cref="ArgumentException">An invariant of the class remarks does not hold.</exception>
    public LinkStateAdvertisement(GatewayId origin, ulong sequence, IEnumerable<AdvertisedLink> links, IEnumerable<GroupName> groups)
    {
        ArgumentNullException.ThrowIfNull(links);
        ArgumentNullException.ThrowIfNull(groups);
        Origin = GatewayId.ThrowIfDefault(origin, nameof(origin));
        Sequence = sequence;

        var sortedLinks = links.ToArray();
        Array.Sort(sortedLinks, static (a, b) => a.Neighbor.CompareTo(b.Neighbor));
        for (var i = 0; i < sortedLinks.Length; i++)
        {
            var link = sortedLinks[i];
            if (link.Neighbor.IsDefault || link.Neighbor == origin)
            {
                throw new ArgumentException($"Advertisement of {origin} has a link to {(link.Neighbor.IsDefault ? "no gateway" : "itself")}.", nameof(links));
            }

            if (link.CostMicroseconds == 0)
            {
                throw new ArgumentException($"Advertisement of {origin} gives its link to {link.Neighbor} cost 0; costs are at least 1.", nameof(links));
            }

            if (i > 0 && sortedLinks[i - 1].Neighbor == link.Neighbor)
            {
                throw new ArgumentException($"Advertisement of {origin} lists the link to {link.Neighbor} twice.", nameof(links));
            }
        }

        var sortedGroups = groups.Distinct().ToArray();
        if (sortedGroups.Any(static g => g is null))
        {
            throw new ArgumentException($"Advertisement of {origin} lists a null group.", nameof(groups));
        }

        Array.Sort(sortedGroups, static (a, b) => string.CompareOrdinal(a.Canonical, b.Canonical));
        Links = sortedLinks;
        Groups = sortedGroups;
    }

    /// <summary>The advertising gateway.</summary>
    public GatewayId Origin { get; }

    /// <summary>Higher is newer; see the class remarks.</summary>
    public ulong Sequence { get; }

    /// <summary>The gateway's overlay links, sorted by neighbour id, one per neighbour.</summary>
    public IReadOnlyList<AdvertisedLink> Links { get; }

    /// <summary>The groups the gateway's domain has members for, sorted by canonical name, no repeats.</summary>
    public IReadOnlyList<GroupName> Groups { get; }

    /// <summary>The advertised cost of the link to <paramref name="neighbor"/>, if there is one.</summary>
    public bool TryGetCost(GatewayId neighbor, out uint costMicroseconds)
    {
        var lo = 0;
        var hi = Links.Count - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var order = Links[mid].Neighbor.CompareTo(neighbor);
            if (order == 0)
            {
                costMicroseconds = Links[mid].CostMicroseconds;
                return true;
            }

            if (order < 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        costMicroseconds = 0;
        return false;
    }

    public override string ToString() => $"LSA {Origin} #{Sequence}: {Links.Count} links, {Groups.Count} groups";
}
