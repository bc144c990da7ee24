using System.Globalization;
using Bridge.Multicast.Aggregation;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Overlay.Flooding;
using Bridge.Multicast.Overlay.Gateway;
using Bridge.Multicast.Overlay.Routing;
using Bridge.Simulation.Nodes;

namespace Bridge.Simulation.Scenarios;

/// <summary>Which part of the grid a domain is.</summary>
public enum GridDomainKind
{
    /// <summary>The control centre's LAN: the head-end and the control centre's transit gateway, no devices.</summary>
    ControlCentre,

    /// <summary>A provider's own network: a transit gateway and devices attached to it directly.</summary>
    Provider,

    /// <summary>A site behind a leaf gateway (the home of the hybrid HG deployment): the leaf and its devices.</summary>
    Leaf,
}

/// <summary>A gateway of a <see cref="UtilityGrid"/>.</summary>
/// <param name="Index">Position in <see cref="UtilityGrid.Gateways"/>.</param>
/// <param name="Id">The gateway's id.</param>
/// <param name="Node">Its simulator adapter, around the real <see cref="OverlayGateway"/>.</param>
/// <param name="NodeId">Its simulator node.</param>
/// <param name="Domain">Index of its domain in <see cref="UtilityGrid.Domains"/>.</param>
/// <param name="Upstream">A leaf's provider (index into <see cref="UtilityGrid.Gateways"/>); null for a transit gateway.</param>
/// <param name="IsStandby">A provider domain's second gateway, which loses the election to the first.</param>
public sealed record GridGateway(int Index, GatewayId Id, GatewaySimNode Node, NodeId NodeId, int Domain, int? Upstream, bool IsStandby = false)
{
    /// <summary>The state machine the node runs now.</summary>
    public OverlayGateway Gateway => Node.Gateway;

    /// <summary>Whether this is a transit (provider or control centre) gateway.</summary>
    public bool IsTransit => Upstream is null;
}

/// <summary>A domain of a <see cref="UtilityGrid"/>.</summary>
/// <param name="Index">Position in <see cref="UtilityGrid.Domains"/>.</param>
/// <param name="Id">The simulator's domain.</param>
/// <param name="Kind">Control centre, provider or leaf site.</param>
/// <param name="Gateway">Index of its (designated) gateway in <see cref="UtilityGrid.Gateways"/>.</param>
/// <param name="Swarm">Its devices; null in the control centre.</param>
/// <param name="SwarmNode">The swarm's simulator node.</param>
public sealed record GridDomain(int Index, DomainId Id, GridDomainKind Kind, int Gateway, DeviceSwarmNode? Swarm, NodeId? SwarmNode)
{
    /// <summary>Devices on this domain.</summary>
    public int Devices => Swarm?.Count ?? 0;
}

/// <summary>
/// A utility's grid on a <see cref="Simulator"/>, running the real <see cref="OverlayGateway"/> in
/// every gateway: the control centre's domain (the head-end and one transit gateway), provider
/// domains each with a transit gateway and devices, and leaf sites each with a leaf gateway under
/// one provider and devices. The transit gateways form a link-state overlay: a ring through all
/// of them plus random chords. Devices are <see cref="DeviceSwarmNode"/>s, one per domain, members
/// of <see cref="Group"/> (every gateway carries it; see <see cref="UtilityGridShape"/>).
/// </summary>
/// <remarks>
/// Every random choice (domain sizes, chords, delays, source ids) is drawn from the simulator's
/// seeded <see cref="Simulator.Random"/>, so a seed rebuilds the same grid. The drivers' part
/// (reporting overlay links up and down) is done here as <c>GatewayWorld</c> does it in the
/// gateway tests: both ends report a link up with its delay as cost.
/// </remarks>
public sealed class UtilityGrid
{
    /// <summary>The group the devices join: tariffs go down it, meter-reading requests too.</summary>
    public static readonly GroupName Group = GroupName.Parse("ham:sg:ami.meters");

    private static readonly FloodingOptions Flooding = new()
    {
        RetransmitInterval = TimeSpan.FromMilliseconds(100),
        RefreshInterval = TimeSpan.FromSeconds(20),
        MaxAge = TimeSpan.FromSeconds(30),
    };

    private readonly List<GridGateway> _gateways = [];
    private readonly List<GridDomain> _domains = [];
    private readonly List<(int A, int B, TimeSpan Delay)> _links = [];
    private readonly List<int> _transit = [];

    /// <summary>Builds the grid on <paramref name="sim"/> (nothing runs until the simulator is driven).</summary>
    public UtilityGrid(Simulator sim, UtilityGridShape shape)
    {
        ArgumentNullException.ThrowIfNull(sim);
        ArgumentNullException.ThrowIfNull(shape);
        shape.Validate();
        Sim = sim;
        Shape = shape;
        Readings = new MeterReadings((ulong)sim.Random.NextInt64());

        var providerDevices = (int)Math.Round(shape.Devices * (shape.Leaves == 0 ? 1 : shape.ProviderShare));
        var providerSizes = Split(providerDevices, shape.Providers);
        var leafSizes = Split(shape.Devices - providerDevices, shape.Leaves);
        ulong nextMember = 1;

        var cc = AddDomain(GridDomainKind.ControlCentre, "control-centre", 0, ref nextMember);
        ControlCentreGateway = AddGateway(cc, "gw-cc", null);
        for (var p = 0; p < shape.Providers; p++)
        {
            var domain = AddDomain(GridDomainKind.Provider, Name("provider", p + 1, 2), providerSizes[p], ref nextMember);
            AddGateway(domain, Name("gw-p", p + 1, 2), null);
        }

        for (var l = 0; l < shape.Leaves; l++)
        {
            var upstream = _transit[1 + (l % shape.Providers)];
            var domain = AddDomain(GridDomainKind.Leaf, Name("site", l + 1, 3), leafSizes[l], ref nextMember);
            AddGateway(domain, Name("gw-h", l + 1, 3), upstream);
        }

        for (var p = 0; p < shape.StandbyGateways; p++)
        {
            AddGateway(1 + p, Name("gw-p", p + 1, 2) + "-standby", null, priority: 50);
        }

        HeadEndDomain = cc;
        HeadEnd = new HeadEndNode(_domains[cc].Id, (ulong)sim.Random.NextInt64(1, long.MaxValue));
        HeadEndNode = sim.AddNode("head-end", HeadEnd);
        sim.Attach(_domains[cc].Id, HeadEndNode);

        // The transit overlay: a ring through every transit gateway, so it is connected whatever
        // the chords, then chords between random pairs not yet linked.
        var linked = new HashSet<(int, int)>();
        for (var i = 0; i < _transit.Count; i++)
        {
            LinkTransit(_transit[i], _transit[(i + 1) % _transit.Count], linked);
        }

        var chords = Math.Min(shape.Chords, (_transit.Count * (_transit.Count - 1) / 2) - _transit.Count);
        while (chords > 0)
        {
            var a = _transit[sim.Random.Next(_transit.Count)];
            var b = _transit[sim.Random.Next(_transit.Count)];
            if (a != b && LinkTransit(a, b, linked))
            {
                chords--;
            }
        }

        foreach (var gateway in _gateways.Where(g => !g.IsTransit))
        {
            Link(gateway.Index, gateway.Upstream!.Value, shape.LeafDelay);
        }
    }

    /// <summary>The simulator the grid runs on.</summary>
    public Simulator Sim { get; }

    /// <summary>What was built.</summary>
    public UtilityGridShape Shape { get; }

    /// <summary>What every device answers; the tests compute expected aggregates from it.</summary>
    public MeterReadings Readings { get; }

    /// <summary>Gateway ids to simulator nodes, for the gateway adapters.</summary>
    public GatewayDirectory Directory { get; } = new();

    /// <summary>Every gateway: the control centre's first, then the providers', the leaves', and the standbys'.</summary>
    public IReadOnlyList<GridGateway> Gateways => _gateways;

    /// <summary>Every domain: the control centre's, the providers', the leaves'.</summary>
    public IReadOnlyList<GridDomain> Domains => _domains;

    /// <summary>Overlay links, as gateway indices and delay.</summary>
    public IReadOnlyList<(int A, int B, TimeSpan Delay)> Links => _links;

    /// <summary>The control centre's transit gateway (index into <see cref="Gateways"/>).</summary>
    public int ControlCentreGateway { get; }

    /// <summary>The control centre's domain (index into <see cref="Domains"/>).</summary>
    public int HeadEndDomain { get; }

    /// <summary>The head-end in the control centre: it publishes tariffs and is the source of requests.</summary>
    public HeadEndNode HeadEnd { get; }

    /// <summary>The head-end host's node.</summary>
    public NodeId HeadEndNode { get; }

    /// <summary>Devices on all domains.</summary>
    public long Devices => _domains.Sum(d => (long)d.Devices);

    /// <summary>
    /// Every gateway is ready in its election and designated for <see cref="Group"/>, the transit
    /// gateways hold the same complete link-state database with nothing awaiting acknowledgement,
    /// all want the group, and every provider has its leaves' interest.
    /// </summary>
    public bool Settled()
    {
        foreach (var gateway in _gateways)
        {
            if (!gateway.Gateway.Election.IsReady || gateway.Gateway.IsDesignated(Group) == gateway.IsStandby || gateway.Gateway.PendingHandovers > 0)
            {
                return false;
            }
        }

        foreach (var t in _transit)
        {
            var flooding = _gateways[t].Gateway.Flooding!;
            if (flooding.Database.Count != _transit.Count || flooding.PendingCount != 0 || flooding.Database.InterestedIn(Group).Count != _transit.Count - Shape.StandbyGateways)
            {
                return false;
            }
        }

        foreach (var leaf in _gateways.Where(g => !g.IsTransit))
        {
            if (!_gateways[leaf.Upstream!.Value].Gateway.ChildrenOf(Group).Contains(leaf.Id))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Drives until <see cref="Settled"/>; returns the virtual time it took.</summary>
    public TimeSpan Settle(TimeSpan? bound = null)
        => Sim.DriveUntil(Settled, bound ?? TimeSpan.FromSeconds(30), "settling of the grid", TimeSpan.FromMilliseconds(50));

    /// <summary>The head-end publishes a Data message of <see cref="Group"/> (a tariff) into its domain; its sequence numbers count from 1.</summary>
    public void Publish(ReadOnlyMemory<byte> tariff) => Sim.Invoke(HeadEndNode, now => HeadEnd.Publish(now, Group, tariff));

    /// <summary>
    /// The head-end asks every device of <see cref="Group"/> now, with a request id drawn from the
    /// simulator's random source; the round counts what reaches the head-end from here on.
    /// </summary>
    public AggregationRound Ask(AggregationSpec spec, TimeSpan budget)
        => AggregationRound.Ask(Sim, HeadEndNode, HeadEnd, Group, spec, budget, PartialsToPeers);

    /// <summary>Drives until the head-end has the result of <paramref name="round"/> (failing with the seed one second past its deadline); returns it.</summary>
    public AggregationCompleted DriveUntilResult(AggregationRound round)
    {
        ArgumentNullException.ThrowIfNull(round);
        if (!ReferenceEquals(round.Simulator, Sim))
        {
            throw new ArgumentException("the round was asked on another simulator", nameof(round));
        }

        return round.DriveUntilResult();
    }

    /// <summary>The gateways the overlay links of <paramref name="gateway"/> lead to.</summary>
    public IEnumerable<int> PeersOf(int gateway)
        => _links.Where(l => l.A == gateway || l.B == gateway).Select(l => l.A == gateway ? l.B : l.A);

    /// <summary>
    /// Gateway <paramref name="gateway"/> dies now: nothing reaches or leaves its node. Each of its
    /// peers' drivers notices after <paramref name="detection"/> (the link's dead interval) and
    /// reports the link down.
    /// </summary>
    public void Kill(int gateway, TimeSpan detection)
    {
        var dead = _gateways[gateway];
        Sim.Isolate(dead.NodeId);
        foreach (var peer in PeersOf(gateway))
        {
            var entry = _gateways[peer];
            Sim.Schedule(Sim.Now + detection, entry.NodeId, $"link {entry.Id} to {dead.Id} down", now => entry.Gateway.PeerDown(now, dead.Id));
        }
    }

    /// <summary>The gateways whose domains a frame from the control centre reaches through <paramref name="gateway"/>: it, and every gateway below it on the tree.</summary>
    public IReadOnlySet<int> SubtreeOf(int gateway)
    {
        var database = _gateways[ControlCentreGateway].Gateway.Flooding!.Database;
        var tree = new ShortestPathTrees(database).GetTree(_gateways[ControlCentreGateway].Id, Group);
        var below = new HashSet<int>();
        var pending = new Stack<GatewayId>();
        pending.Push(_gateways[gateway].Id);
        while (pending.TryPop(out var id))
        {
            var index = _gateways.First(g => g.Id == id).Index;
            below.Add(index);
            foreach (var child in tree.Contains(id) ? tree.ChildrenOf(id) : [])
            {
                pending.Push(child);
            }

            foreach (var leaf in _gateways.Where(g => g.Upstream == index))
            {
                below.Add(leaf.Index);
            }
        }

        return below;
    }

    /// <summary>PartialAggregate frames all gateways have sent to peers so far.</summary>
    internal long PartialsToPeers() => _gateways.Sum(g => g.Gateway.Counters.PartialsToPeers);

    /// <summary>The leaf gateways under <paramref name="provider"/>.</summary>
    public IEnumerable<int> LeavesOf(int provider) => _gateways.Where(g => g.Upstream == provider).Select(g => g.Index);

    private static string Name(string prefix, int number, int digits)
        => prefix + number.ToString("D" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    /// <summary>Splits <paramref name="total"/> into <paramref name="parts"/> sizes of random weight from [0.5, 1.5) that add up exactly.</summary>
    private int[] Split(int total, int parts)
    {
        var sizes = new int[parts];
        if (parts == 0)
        {
            return sizes;
        }

        var weights = new double[parts];
        for (var i = 0; i < parts; i++)
        {
            weights[i] = 0.5 + Sim.Random.NextDouble();
        }

        var sum = weights.Sum();
        var given = 0;
        for (var i = 0; i < parts; i++)
        {
            sizes[i] = (int)(total * weights[i] / sum);
            given += sizes[i];
        }

        // What rounding down left over goes one each to the first domains.
        for (var i = 0; given < total; i = (i + 1) % parts)
        {
            sizes[i]++;
            given++;
        }

        return sizes;
    }

    private int AddDomain(GridDomainKind kind, string name, int devices, ref ulong nextMember)
    {
        var index = _domains.Count;
        var domain = Sim.AddDomain(name, Shape.Lan);
        DeviceSwarmNode? swarm = null;
        NodeId? swarmNode = null;
        if (kind != GridDomainKind.ControlCentre)
        {
            swarm = new DeviceSwarmNode(domain, Group, nextMember, devices, Readings, Shape.ReplySpread);
            nextMember += (ulong)devices;
            swarmNode = Sim.AddNode(name + "-devices", swarm);
            Sim.Attach(domain, swarmNode.Value);
        }

        _domains.Add(new GridDomain(index, domain, kind, _gateways.Count, swarm, swarmNode));
        return index;
    }

    private int AddGateway(int domain, string name, int? upstream, byte priority = 100)
    {
        var index = _gateways.Count;
        var id = new GatewayId(name);
        var options = new GatewayOptions
        {
            Id = id,
            Role = upstream is null ? GatewayRole.Transit : GatewayRole.Leaf,
            Carry = [Group],
            Upstreams = upstream is { } u ? [_gateways[u].Id] : [],
            SourceId = (ulong)Sim.Random.NextInt64(1, long.MaxValue),
            Flooding = Flooding,
            LearnMembers = Shape.LearnMembers,
            Priority = priority,
        };
        var node = new GatewaySimNode(new OverlayGateway(options, Sim.Now), _domains[domain].Id, Directory);
        var nodeId = Sim.AddNode(name, node);
        Directory.Add(id, nodeId);
        Sim.Attach(_domains[domain].Id, nodeId);
        _gateways.Add(new GridGateway(index, id, node, nodeId, domain, upstream, IsStandby: priority < 100));
        if (upstream is null)
        {
            _transit.Add(index);
        }

        return index;
    }

    private bool LinkTransit(int a, int b, HashSet<(int, int)> linked)
    {
        if (!linked.Add((Math.Min(a, b), Math.Max(a, b))))
        {
            return false;
        }

        var span = Shape.TransitDelayMax - Shape.TransitDelayMin;
        var delay = Shape.TransitDelayMin + TimeSpan.FromTicks((long)(span.Ticks * Sim.Random.NextDouble()));
        delay = TimeSpan.FromMilliseconds(Math.Round(delay.TotalMilliseconds, 3));
        Link(a, b, delay);
        return true;
    }

    private void Link(int a, int b, TimeSpan delay)
    {
        var (ga, gb) = (_gateways[a], _gateways[b]);
        Sim.Connect(ga.NodeId, gb.NodeId, Shape.OverlayConditions?.Invoke(delay) ?? new LinkConditions { Delay = delay });
        _links.Add((a, b, delay));
        var cost = (uint)delay.TotalMicroseconds;
        var (kindAtA, kindAtB) = (ga.IsTransit, gb.IsTransit) switch
        {
            (true, true) => (PeerKind.Gateway, PeerKind.Gateway),
            (false, _) => (PeerKind.Upstream, PeerKind.Leaf),
            _ => (PeerKind.Leaf, PeerKind.Upstream),
        };
        Sim.Invoke(ga.NodeId, now => ga.Gateway.PeerUp(now, gb.Id, kindAtA, cost));
        Sim.Invoke(gb.NodeId, now => gb.Gateway.PeerUp(now, ga.Id, kindAtB, cost));
    }
}
