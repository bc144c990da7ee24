using Bridge.Multicast.Naming;
using Bridge.Multicast.Overlay.Routing;
using FsCheck;
using FsCheck.Fluent;

namespace Bridge.Multicast.Tests.Overlay.Routing;

/// <summary>
/// A random connected overlay for the property tests: a random spanning tree of two-way links
/// plus extra links, some of them advertised by one end only; small costs (1 to 20) so that equal
/// costs and hence the tie-break come up often; asymmetric advertised costs; random interest in
/// two groups; ids shuffled so that id order is not the order of construction. Everything follows
/// from (<see cref="Count"/>, <see cref="Seed"/>), which the failure message prints.
/// </summary>
public sealed class RandomOverlay
{
    public static readonly GroupName Tariff = GroupName.Parse("ham:sg:ami.tariff.rtp");
    public static readonly GroupName Schedule = GroupName.Parse("ham:sg:vpp.schedule");

    private RandomOverlay(int count, int seed)
    {
        Count = count;
        Seed = seed;
        var random = new Random(seed);
        var names = Enumerable.Range(0, count).ToArray();
        random.Shuffle(names);
        Ids = [.. names.Select(n => new GatewayId($"gw{n:D3}"))];

        var pairs = new HashSet<(int, int)>();
        var links = new List<RandomLink>();
        void Add(int a, int b, bool oneWay)
        {
            if (a != b && pairs.Add((Math.Min(a, b), Math.Max(a, b))))
            {
                links.Add(new RandomLink(a, b, (uint)random.Next(1, 21), (uint)random.Next(1, 21), oneWay));
            }
        }

        for (var i = 1; i < count; i++)
        {
            Add(random.Next(i), i, oneWay: false);
        }

        var extra = random.Next(0, 2 * count + 1);
        for (var k = 0; k < extra; k++)
        {
            Add(random.Next(count), random.Next(count), oneWay: random.Next(4) == 0);
        }

        Links = links;
        var tariffShare = random.Next(0, 101);
        var scheduleShare = random.Next(0, 101);
        TariffMembers = [.. Enumerable.Range(0, count).Where(_ => random.Next(100) < tariffShare)];
        ScheduleMembers = [.. Enumerable.Range(0, count).Where(_ => random.Next(100) < scheduleShare)];
        Source = random.Next(count);
    }

    public int Count { get; }

    public int Seed { get; }

    public IReadOnlyList<GatewayId> Ids { get; }

    public IReadOnlyList<RandomLink> Links { get; }

    public IReadOnlyList<int> TariffMembers { get; }

    public IReadOnlyList<int> ScheduleMembers { get; }

    /// <summary>A source chosen at random, for properties that look at one tree.</summary>
    public int Source { get; }

    public static RandomOverlay Create(int count, int seed) => new(count, seed);

    /// <summary>The newest advertisement of every gateway (sequence number 10), in construction order.</summary>
    public IReadOnlyList<LinkStateAdvertisement> Advertisements(ulong sequence = 10)
    {
        var result = new List<LinkStateAdvertisement>();
        for (var i = 0; i < Count; i++)
        {
            var own = new List<AdvertisedLink>();
            foreach (var link in Links)
            {
                if (link.A == i)
                {
                    own.Add(new AdvertisedLink(Ids[link.B], link.CostAB));
                }
                else if (link.B == i && !link.OneWay)
                {
                    own.Add(new AdvertisedLink(Ids[link.A], link.CostBA));
                }
            }

            var groups = new List<GroupName>();
            if (TariffMembers.Contains(i))
            {
                groups.Add(Tariff);
            }

            if (ScheduleMembers.Contains(i))
            {
                groups.Add(Schedule);
            }

            result.Add(new LinkStateAdvertisement(Ids[i], sequence, own, groups));
        }

        return result;
    }

    public LinkStateDatabase Database()
    {
        var database = new LinkStateDatabase();
        foreach (var advertisement in Advertisements())
        {
            database.Install(advertisement);
        }

        return database;
    }

    public IReadOnlyList<int> MembersOf(GroupName group) => group == Tariff ? TariffMembers : ScheduleMembers;

    public override string ToString() => $"RandomOverlay.Create({Count}, {Seed})";
}

/// <summary>A link of a <see cref="RandomOverlay"/>; a one-way link is advertised by <see cref="A"/> only.</summary>
public readonly record struct RandomLink(int A, int B, uint CostAB, uint CostBA, bool OneWay);

public static class RandomOverlayGenerators
{
    public static Arbitrary<RandomOverlay> Overlays() => Arb.From(
        from count in Gen.Frequency((1, Gen.Choose(1, 8)), (3, Gen.Choose(2, 100)))
        from seed in Gen.Choose(0, int.MaxValue)
        select RandomOverlay.Create(count, seed));
}
