using System.Globalization;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Overlay.Flooding;
using Bridge.Multicast.Overlay.Gateway;
using Bridge.Multicast.Overlay.Routing;
using Bridge.Multicast.Tests.Overlay.Flooding;
using Bridge.Simulation;
using Bridge.Simulation.Nodes;

namespace Bridge.Multicast.Tests.Overlay.Gateway;

/// <summary>
/// Gateways, their domains and the overlay links between them on one <see cref="Simulator"/>.
/// Every domain holds its gateways and one member host that records what it receives; a domain
/// that is a member of <see cref="Group"/> has gateways that carry it, the others carry nothing.
/// Overlay links are reliable as TCP is (<see cref="LinkConditions.RetransmitAfter"/>), so their
/// loss shows up as delay and reordering; the drivers report a link up with its delay as cost.
/// </summary>
internal sealed class GatewayWorld(Simulator sim)
{
    public static readonly GroupName Group = GroupName.Parse("ham:sg:ami.tariff.rtp");

    public static readonly FloodingOptions Flooding = new()
    {
        RetransmitInterval = TimeSpan.FromMilliseconds(100),
        RefreshInterval = TimeSpan.FromSeconds(20),
        MaxAge = TimeSpan.FromSeconds(30),
    };

    /// <summary>A domain's native multicast: quick and, for these tests, lossless (the overlay is under test).</summary>
    public static readonly LinkConditions Lan = new() { Delay = TimeSpan.FromMilliseconds(1) };

    private readonly List<GatewayEntry> _gateways = [];
    private readonly List<DomainEntry> _domains = [];
    private readonly List<(int A, int B, uint Cost)> _links = [];

    public Simulator Sim { get; } = sim;

    public GatewayDirectory Directory { get; } = new();

    public IReadOnlyList<GatewayEntry> Gateways => _gateways;

    public IReadOnlyList<DomainEntry> Domains => _domains;

    /// <summary>Overlay links as gateway indices and the cost both ends report.</summary>
    public IReadOnlyList<(int A, int B, uint Cost)> Links => _links;

    /// <summary>An overlay link that loses 5 % (recovered after <c>RetransmitAfter</c>), jitters and reorders.</summary>
    public static LinkConditions Tcp(TimeSpan delay) => new()
    {
        Delay = delay,
        Jitter = TimeSpan.FromMilliseconds(2),
        LossProbability = 0.05,
        ReorderProbability = 0.05,
        ReorderDelay = TimeSpan.FromMilliseconds(10),
        RetransmitAfter = (2 * delay) + TimeSpan.FromMilliseconds(20),
    };

    /// <summary>Adds a domain with one member host; returns its index.</summary>
    public int AddDomain(bool member)
    {
        var index = _domains.Count;
        var domain = Sim.AddDomain(string.Create(CultureInfo.InvariantCulture, $"domain{index}"), Lan);
        var host = new HostNode(domain, NextSourceId()) { DuplicateSeen = () => Duplicates++ };
        var hostId = Sim.AddNode(string.Create(CultureInfo.InvariantCulture, $"host{index}"), host);
        Sim.Attach(domain, hostId);
        _domains.Add(new DomainEntry(index, domain, member, host, hostId, []));
        return index;
    }

    /// <summary>Adds a second host to a domain, to publish from; returns it and its node.</summary>
    public (HostNode Host, NodeId Node) AddSource(int domain)
    {
        var entry = _domains[domain];
        var host = new HostNode(entry.Id, NextSourceId()) { DuplicateSeen = () => Duplicates++ };
        var node = Sim.AddNode(string.Create(CultureInfo.InvariantCulture, $"source{domain}"), host);
        Sim.Attach(entry.Id, node);
        return (host, node);
    }

    /// <summary>Adds a gateway to a domain; it carries <see cref="Group"/> when the domain is a member. Returns its index.</summary>
    public int AddGateway(int domain, string? name = null, GatewayRole role = GatewayRole.Transit, IReadOnlyList<int>? upstreams = null, byte priority = 100)
    {
        var index = _gateways.Count;
        var entry = _domains[domain];
        var id = new GatewayId(name ?? string.Create(CultureInfo.InvariantCulture, $"gw{index:D3}"));
        var options = new GatewayOptions
        {
            Id = id,
            Role = role,
            Carry = entry.Member ? [Group] : [],
            Upstreams = upstreams is null ? [] : [.. upstreams.Select(u => _gateways[u].Id)],
            SourceId = NextSourceId(),
            Priority = priority,
            Flooding = Flooding,
        };
        var node = new GatewaySimNode(new OverlayGateway(options, Sim.Now), entry.Id, Directory);
        var nodeId = Sim.AddNode(id.Value, node);
        Directory.Add(id, nodeId);
        Sim.Attach(entry.Id, nodeId);
        entry.Gateways.Add(index);
        _gateways.Add(new GatewayEntry(index, id, node, nodeId, domain));
        return index;
    }

    /// <summary>Connects two gateways by an overlay link with <paramref name="delay"/> each way, and reports it up at both ends.</summary>
    public void Link(int a, int b, TimeSpan delay, LinkConditions? conditions = null)
    {
        Sim.Connect(_gateways[a].NodeId, _gateways[b].NodeId, conditions ?? Tcp(delay));
        var cost = (uint)delay.TotalMicroseconds;
        _links.Add((a, b, cost));
        Up(a, b, cost);
    }

    /// <summary>The drivers at both ends report the link up.</summary>
    public void Up(int a, int b, uint cost)
    {
        var (ga, gb) = (_gateways[a], _gateways[b]);
        Sim.Invoke(ga.NodeId, now => ga.Gateway.PeerUp(now, gb.Id, KindOf(ga, gb), cost));
        Sim.Invoke(gb.NodeId, now => gb.Gateway.PeerUp(now, ga.Id, KindOf(gb, ga), cost));
    }

    /// <summary>The drivers at both ends report the link down.</summary>
    public void Down(int a, int b)
    {
        var (ga, gb) = (_gateways[a], _gateways[b]);
        Sim.Invoke(ga.NodeId, now => ga.Gateway.PeerDown(now, gb.Id));
        Sim.Invoke(gb.NodeId, now => gb.Gateway.PeerDown(now, ga.Id));
    }

    /// <summary>Gateway <paramref name="index"/> dies: nothing reaches or leaves it; its peers notice when the test reports its links down.</summary>
    public void Kill(int index) => Sim.Isolate(_gateways[index].NodeId);

    /// <summary>Gateway <paramref name="index"/> starts again with its options and no state; its links come up when the test reports them.</summary>
    public void Restart(int index)
    {
        var entry = _gateways[index];
        Sim.Rejoin(entry.NodeId);
        Sim.Invoke(entry.NodeId, now => entry.Node.Restart(new OverlayGateway(entry.Gateway.Options, now)));
    }

    public void Publish(HostNode host, NodeId node, ulong sequence) => Sim.Invoke(node, now => host.Publish(now, Group, sequence));

    /// <summary>The gateway of a member domain designated for <see cref="Group"/>, or null when none (or more than one) is.</summary>
    public int? DesignatedOf(int domain)
    {
        var designated = _domains[domain].Gateways.Where(g => _gateways[g].Gateway.IsDesignated(Group)).ToList();
        return designated.Count == 1 ? designated[0] : null;
    }

    /// <summary>
    /// Every gateway among <paramref name="gateways"/> is ready in its election, each member domain
    /// with a gateway among them has exactly one designated, none is still handing a group over, and the transit ones hold identical
    /// databases of <paramref name="origins"/> advertisements with nothing awaiting acknowledgement.
    /// </summary>
    public bool Settled(IReadOnlyCollection<int> gateways, int origins, bool oneDesignatedPerDomain = true)
    {
        foreach (var g in gateways)
        {
            if (!_gateways[g].Gateway.Election.IsReady || _gateways[g].Gateway.PendingHandovers > 0)
            {
                return false;
            }
        }

        foreach (var domain in gateways.Select(g => _gateways[g].Domain).Distinct())
        {
            if (oneDesignatedPerDomain && _domains[domain].Member && DesignatedOf(domain) is null)
            {
                return false;
            }
        }

        var transit = gateways.Where(g => _gateways[g].Gateway.Flooding is not null).ToList();
        if (transit.Count == 0)
        {
            return true;
        }

        var reference = _gateways[transit[0]].Gateway.Flooding!.Database;
        foreach (var g in transit)
        {
            var flooding = _gateways[g].Gateway.Flooding!;
            if (flooding.Database.Count != origins || flooding.PendingCount != 0)
            {
                return false;
            }

            // What it advertises is what it wants now: no change of interest waits to be originated.
            if (!flooding.Database.TryGet(flooding.Self, out var own) || !own.Groups.Select(x => x.Canonical).Order(StringComparer.Ordinal).SequenceEqual(_gateways[g].Gateway.Interest.Select(x => x.Canonical).Order(StringComparer.Ordinal)))
            {
                return false;
            }

            foreach (var advertisement in flooding.Database.Advertisements)
            {
                if (!reference.TryGet(advertisement.Origin, out var held) || held.Sequence != advertisement.Sequence)
                {
                    return false;
                }
            }
        }

        var first = FloodingOverlay.Fingerprint(reference);
        return transit.All(g => FloodingOverlay.Fingerprint(_gateways[g].Gateway.Flooding!.Database) == first);
    }

    /// <summary>Drives in steps of 10 ms until <paramref name="done"/> holds; returns the virtual time it took, or fails with the seed after <paramref name="bound"/>.</summary>
    public TimeSpan DriveUntil(Func<bool> done, TimeSpan bound, string what) => Sim.DriveUntil(done, bound, what);

    public long RelayCopies() => _gateways.Sum(g => g.Node.RelayCopiesSent);

    public long RelaysSentCounted() => _gateways.Sum(g => g.Gateway.Counters.RelaysSent);

    /// <summary>Messages any host received a second time, so far.</summary>
    public int Duplicates { get; private set; }

    private static PeerKind KindOf(GatewayEntry self, GatewayEntry peer) =>
        self.Gateway.Options.Role == GatewayRole.Leaf ? PeerKind.Upstream
        : peer.Gateway.Options.Role == GatewayRole.Leaf ? PeerKind.Leaf
        : PeerKind.Gateway;

    private ulong NextSourceId() => (ulong)Sim.Random.NextInt64(1, long.MaxValue);
}

/// <summary>A gateway of a <see cref="GatewayWorld"/>.</summary>
internal sealed record GatewayEntry(int Index, GatewayId Id, GatewaySimNode Node, NodeId NodeId, int Domain)
{
    public OverlayGateway Gateway => Node.Gateway;
}

/// <summary>A domain of a <see cref="GatewayWorld"/>, with its member host and its gateways' indices.</summary>
internal sealed record DomainEntry(int Index, DomainId Id, bool Member, HostNode Host, NodeId HostId, List<int> Gateways);
