using Bridge.Multicast.Naming;
using Bridge.Multicast.Overlay.Routing;

namespace Bridge.Multicast.Tests.Overlay.Routing;

/// <summary>Terse construction of hand-made topologies.</summary>
internal static class Lsa
{
    public static readonly GroupName Tariff = GroupName.Parse("ham:sg:ami.tariff.rtp");

    public static GatewayId Id(string name) => new(name);

    /// <summary>An advertisement of <paramref name="origin"/>; links as "peer:cost".</summary>
    public static LinkStateAdvertisement Of(string origin, ulong sequence, string[] links, params GroupName[] groups) =>
        new(Id(origin), sequence, links.Select(Link), groups);

    /// <summary>A database holding two-way links given as "a-b:cost", and interest in <see cref="Tariff"/> at <paramref name="members"/>.</summary>
    public static LinkStateDatabase Topology(string[] links, params string[] members)
    {
        var adjacency = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var link in links)
        {
            var (ends, cost) = (link.Split(':')[0].Split('-'), link.Split(':')[1]);
            adjacency.TryAdd(ends[0], []);
            adjacency.TryAdd(ends[1], []);
            adjacency[ends[0]].Add($"{ends[1]}:{cost}");
            adjacency[ends[1]].Add($"{ends[0]}:{cost}");
        }

        foreach (var member in members)
        {
            adjacency.TryAdd(member, []);
        }

        var database = new LinkStateDatabase();
        foreach (var (origin, own) in adjacency)
        {
            database.Install(Of(origin, 1, [.. own], members.Contains(origin) ? [Tariff] : []));
        }

        return database;
    }

    private static AdvertisedLink Link(string text)
    {
        var parts = text.Split(':');
        return new AdvertisedLink(Id(parts[0]), uint.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
    }
}
