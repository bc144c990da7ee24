using System.Collections.Immutable;
using System.Globalization;
using Bridge.Lab.Measurement;
using Bridge.Lab.Placement;
using Bridge.Lab.Routing;
using Bridge.Lab.Simulation;
using Bridge.Multicast.Aggregation;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Overlay.Gateway;
using Bridge.Multicast.Overlay.Routing;
using Bridge.Multicast.Wire;
using Bridge.Simulation;
using Bridge.Simulation.Nodes;
using Bridge.Simulation.Scenarios;

namespace Bridge.Lab.Schemes;

/// <summary>The paper's two hybrid deployments.</summary>
public enum HybridDeployment
{
    /// <summary>HG: every home (the source's and each group node's) has a leaf gateway attached to its site's transit gateway.</summary>
    HomeGateways,

    /// <summary>PG: the site's transit gateway takes the site's homes in by native multicast.</summary>
    ProviderGateways,
}

/// <summary>Settings of a hybrid run.</summary>
public sealed record HybridOptions
{
    /// <summary>The defaults of docs/evaluation.md.</summary>
    public static HybridOptions Default { get; } = new();

    /// <summary>Messages the source sends once the overlay has settled.</summary>
    public int Messages { get; init; } = 3;

    /// <summary>Time between messages (the paper: one per second).</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Payload per message (the paper: 1000 bytes).</summary>
    public int PayloadBytes { get; init; } = 1000;

    /// <summary>
    /// Time a gateway spends on each frame it sends: the per-hop figure measured for real gateways
    /// over TLS on loopback (docs/benchmarks.md, "Gateway forwarding and per-hop latency": 5 to
    /// 41 µs at the median across four runs), rounded up.
    /// </summary>
    public TimeSpan Processing { get; init; } = TimeSpan.FromMicroseconds(50);

    /// <summary>Nearest sites each transit gateway peers with (<see cref="OverlayTopology"/>).</summary>
    public int OverlayNeighbours { get; init; } = 2;

    /// <summary>The most virtual time the gateways may take to settle before the run fails.</summary>
    public TimeSpan SettleBound { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// HG: the group nodes behind one home's leaf gateway (1: every node is a home of its own, the
    /// paper's HG). Larger values model a house of several devices (meters, charger, heat pump)
    /// behind one home gateway and one access link: a site's nodes are grouped into homes of this
    /// many in node order, and the home's gateway and devices sit at its first node's vertex.
    /// </summary>
    public int DevicesPerHome { get; init; } = 1;

    /// <summary>
    /// HG: the election hello interval of the leaf gateways, each alone in its home domain; null
    /// keeps the product's default (100 ms). When set, a leaf's hold time is three intervals and it
    /// competes at once (<see cref="GatewayOptions.StartupWait"/> zero): with no other gateway in
    /// the home there is nobody to fail over to or to learn from first (docs/evaluation.md, "Scale sweep").
    /// </summary>
    public TimeSpan? HomeHelloInterval { get; init; }

    /// <summary>Whether the head-end asks every device for a meter reading after the messages (<see cref="HybridRun.HeadEndMessagesPerRound"/>).</summary>
    public bool AggregatedRound { get; init; } = true;

    /// <summary>The aggregated round's budget: room for the gateways' hop margins and the devices' reply spread.</summary>
    public TimeSpan AggregationBudget { get; init; } = TimeSpan.FromSeconds(4);

    /// <summary>How long a device takes at most to answer a request (each device's delay is drawn from the seed).</summary>
    public TimeSpan ReplySpread { get; init; } = TimeSpan.FromMilliseconds(200);
}

/// <summary>What a hybrid run measured.</summary>
/// <param name="Result">The first message's measurement (every later one crosses the same trees; <see cref="Messages"/> has them all).</param>
/// <param name="Messages">Each message's measurement, in order.</param>
/// <param name="OverlayLinks">Overlay links between transit gateways.</param>
/// <param name="Gateways">Gateways in the run (transit and leaf).</param>
/// <param name="SettleTime">Virtual time from the start until the gateways had elected, flooded and attached.</param>
/// <param name="Events">Events the simulator processed.</param>
public sealed record HybridRun(SchemeResult Result, ImmutableArray<SchemeResult> Messages, int OverlayLinks, int Gateways, TimeSpan SettleTime, long Events)
{
    /// <summary>
    /// Reverse-channel frames (partials and replies) that reached the head-end in one aggregated
    /// meter-reading round asked of every device; 0 when <see cref="HybridOptions.AggregatedRound"/> is off.
    /// </summary>
    public long HeadEndMessagesPerRound { get; init; }

    /// <summary>The round's head-end side: its partials, replies, overlay partials and times; null when no round was asked.</summary>
    public AggregationRound? Round { get; init; }

    /// <summary>Devices the round's result counted (each answered once); 0 when no round was asked.</summary>
    public ulong Contributors { get; init; }

    /// <summary>Simulator nodes that stand for the devices (one per PG site, one per HG home).</summary>
    public int DeviceNodes { get; init; }
}

/// <summary>
/// Hybrid multicast run by the product's <see cref="OverlayGateway"/> state machines on the
/// deterministic <see cref="Simulator"/>, over the underlay's delays, measured like
/// <see cref="UnicastScheme"/> (docs/evaluation.md, "Hybrid schemes").
/// </summary>
/// <remarks>
/// <para>Both deployments put one transit gateway at every site's backbone router, peered by
/// <see cref="OverlayTopology"/>; an overlay link's delay is the underlay path's between its two
/// gateways, and the link-state routing uses it (in µs) as the link's cost. PG: each site is a
/// multicast domain of its transit gateway and its homes (the source's site holds the source
/// too); a home is on its access link, the gateway at the router, so native multicast costs a
/// home's access delay each way (<see cref="DelayedNode"/>). HG: each home (the source's and every
/// group node's) is a domain of its own with a leaf gateway, whose upstream is its site's transit
/// gateway over the home's access link; the transit gateways' own domains hold nobody.</para>
/// <para>Every gateway spends <see cref="HybridOptions.Processing"/> on each frame it sends. A
/// relay over an overlay link counts as one copy on every underlay link of the path between the
/// two gateways; a native multicast in a site counts one copy on the access link of every home
/// in it. A receiver's delay runs from the source's publish to its host's delivery.</para>
/// <para>The source is a <see cref="HeadEndNode"/>; the group nodes are <see cref="DeviceSwarmNode"/>s,
/// one per PG site and one per HG home (of <see cref="HybridOptions.DevicesPerHome"/> nodes), so a
/// million devices cost thousands of simulator nodes. After the messages the head-end reads every
/// device's meter in one aggregated round through the gateways' reverse channel
/// (<see cref="HybridRun.HeadEndMessagesPerRound"/>).</para>
/// </remarks>
public static class HybridScheme
{
    /// <summary>HG's name in tables and JSON.</summary>
    public const string HomeGatewaysName = "hybrid-hg";

    /// <summary>PG's name in tables and JSON.</summary>
    public const string ProviderGatewaysName = "hybrid-pg";

    /// <summary>The group the lab's source publishes to.</summary>
    public static GroupName Group { get; } = GroupName.Parse("ham:sg:lab.payload");

    /// <summary>The scheme's name of a deployment.</summary>
    public static string NameOf(HybridDeployment deployment) =>
        deployment == HybridDeployment.HomeGateways ? HomeGatewaysName : ProviderGatewaysName;

    /// <summary>Builds the deployment on the lab's network, lets it settle, sends the messages and measures them.</summary>
    /// <param name="lab">The placed network.</param>
    /// <param name="deployment">HG or PG.</param>
    /// <param name="seed">The simulator's seed (the gateways' source ids come from it).</param>
    /// <param name="options">Settings; <see cref="HybridOptions.Default"/> when null.</param>
    /// <exception cref="SimulationException">The gateways did not settle, or a group node missed a message or got it twice.</exception>
    public static HybridRun Run(LabNetwork lab, HybridDeployment deployment, int seed, HybridOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(lab);
        options ??= HybridOptions.Default;
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Messages, 1, nameof(options));
        HybridRun? run = null;
        ArgumentOutOfRangeException.ThrowIfLessThan(options.DevicesPerHome, 1, nameof(options));
        Simulator.Run(seed, sim => run = new World(sim, lab, deployment, options).Run(), new SimulatorOptions { TraceCapacity = 64, RunawayEventLimit = long.MaxValue });
        return run!;
    }

    private sealed class World
    {
        /// <summary>What the round asks: a meter reading summed, as the head-end of docs/aggregation.md would.</summary>
        private static readonly AggregationSpec ReadingSpec = new()
        {
            Functions = AggregateFunctions.Count | AggregateFunctions.Sum | AggregateFunctions.Min | AggregateFunctions.Max | AggregateFunctions.Mean,
        };

        private readonly Simulator _sim;
        private readonly LabNetwork _lab;
        private readonly HybridDeployment _deployment;
        private readonly HybridOptions _options;
        private readonly GatewayDirectory _directory = new();
        private readonly Dictionary<NodeId, int> _vertexOf = [];
        private readonly Dictionary<DomainId, List<NetworkLink>> _nativeLinks = [];
        private readonly Dictionary<ulong, (TimeSpan SentAt, MessageMeasurement Measurement)> _messages = [];
        private readonly List<(GatewaySimNode Node, NodeId Id)> _transit = [];
        private readonly List<(GatewaySimNode Node, NodeId Id, GatewaySimNode Upstream)> _leaves = [];
        private readonly List<(GatewaySimNode Node, NodeId Id)> _gateways = [];

        // The devices: one swarm per PG site or HG home, and the group nodes it stands for.
        private readonly List<(DeviceSwarmNode Swarm, int[] Nodes)> _swarms = [];
        private readonly MeterReadings _readings;
        private HeadEndNode? _source;
        private NodeId _sourceId;

        // Who asks the aggregated round: the source in PG; in HG a head-end at the source's site
        // router, as a leaf's home cannot ask the group yet (docs/aggregation.md, "Not yet").
        private HeadEndNode? _headEnd;
        private NodeId _headEndId;
        private int _overlayLinks;
        private bool _measuring = true;

        public World(Simulator sim, LabNetwork lab, HybridDeployment deployment, HybridOptions options)
        {
            _sim = sim;
            _lab = lab;
            _deployment = deployment;
            _options = options;
            _readings = new MeterReadings((ulong)sim.Random.NextInt64());
        }

        private int Receivers => _lab.NodeVertices.Length;

        public HybridRun Run()
        {
            Build();
            var settled = _sim.DriveUntil(Settled, _options.SettleBound, "settling of the gateways");
            var start = _sim.Now + _options.Interval;
            var payload = new byte[_options.PayloadBytes];
            for (var k = 1; k <= _options.Messages; k++)
            {
                // The head-end's endpoint numbers its Data frames from 1, one per publish.
                var sequence = (ulong)k;
                var at = start + ((k - 1) * _options.Interval);
                _messages.Add(sequence, (at, new MessageMeasurement(_lab.Network, Receivers)));
                _sim.Schedule(at, _sourceId, "publish", now => _source!.Publish(now, Group, payload));
            }

            // Long after the last message could arrive, so a late duplicate would show too.
            _sim.Drive(start + (_options.Messages * _options.Interval) + TimeSpan.FromSeconds(1));
            var results = ImmutableArray.CreateBuilder<SchemeResult>(_options.Messages);
            var name = NameOf(_deployment);
            foreach (var (sequence, (sentAt, measurement)) in _messages.OrderBy(m => m.Key))
            {
                foreach (var (swarm, nodes) in _swarms)
                {
                    var times = swarm.TimesReceived(_source!.SourceId, sequence);
                    if (times != 1)
                    {
                        throw _sim.Failure($"{name}: group node {nodes[0]} ({_lab.Network.VertexNames[_lab.NodeVertices[nodes[0]]]}) received message {sequence} {times} times");
                    }

                    var delay = swarm.FirstReceivedAt(_source.SourceId, sequence)!.Value - sentAt;
                    foreach (var node in nodes)
                    {
                        measurement.Receive(node, delay);
                    }
                }

                results.Add(measurement.ToResult(name));
            }

            var all = results.MoveToImmutable();
            _measuring = false;
            var run = new HybridRun(all[0], all, _overlayLinks, _gateways.Count, settled, 0) { DeviceNodes = _swarms.Count };
            if (_options.AggregatedRound)
            {
                var round = AggregationRound.Ask(_sim, _headEndId, _headEnd!, Group, ReadingSpec, _options.AggregationBudget, () => _gateways.Sum(g => g.Node.Gateway.Counters.PartialsToPeers));
                var result = round.DriveUntilResult().Result;
                if (result.Count != (ulong)Receivers)
                {
                    throw _sim.Failure($"{name}: the aggregated round counted {result.Count} of {Receivers} devices");
                }

                run = run with
                {
                    Result = run.Result with { HeadEndMessagesPerRound = round.FramesAtHeadEnd },
                    HeadEndMessagesPerRound = round.FramesAtHeadEnd,
                    Round = round,
                    Contributors = result.Count,
                };
            }

            return run with { Events = _sim.Counters.Events };
        }

        private void Build()
        {
            var placement = _lab.Placement;
            var siteDomains = new DomainId[placement.Sites.Length];
            for (var s = 0; s < placement.Sites.Length; s++)
            {
                var name = placement.Sites[s].Backbone.Name;
                siteDomains[s] = _sim.AddDomain($"site-{name}", LinkConditions.Perfect);
                // HG's transit domains hold nobody, except the head-end of the aggregated round at
                // the source's site, whose Request the site's gateway must take in.
                var carry = _deployment == HybridDeployment.ProviderGateways || (s == 0 && _options.AggregatedRound);
                _transit.Add(AddGateway($"pg-{name}", siteDomains[s], _lab.SiteVertex(s), GatewayRole.Transit, carry, upstream: null));
            }

            var overlay = OverlayTopology.Build(_lab, _options.OverlayNeighbours);
            foreach (var (a, b) in overlay)
            {
                Link(_transit[a], _transit[b], PeerKind.Gateway, PeerKind.Gateway);
            }

            _overlayLinks = overlay.Length;
            var bySite = new List<int>[placement.Sites.Length];
            for (var s = 0; s < bySite.Length; s++)
            {
                bySite[s] = [];
            }

            foreach (var node in placement.Nodes)
            {
                bySite[node.Site].Add(node.Index);
            }

            ulong nextMember = 1;
            for (var s = 0; s < bySite.Length; s++)
            {
                if (_deployment == HybridDeployment.ProviderGateways)
                {
                    // Every home of a site hears the site's native multicast after the same access
                    // delay, so one swarm stands for them all; its copies count on each home's access link.
                    if (bySite[s].Count > 0)
                    {
                        AddSwarm($"devices-{placement.Sites[s].Backbone.Name}", [.. bySite[s]], siteDomains[s], ref nextMember);
                    }

                    continue;
                }

                for (var first = 0; first < bySite[s].Count; first += _options.DevicesPerHome)
                {
                    var nodes = bySite[s].GetRange(first, Math.Min(_options.DevicesPerHome, bySite[s].Count - first)).ToArray();
                    var homeName = nodes[0].ToString(CultureInfo.InvariantCulture);
                    AddSwarm($"home{homeName}-devices", nodes, Home(homeName, _lab.NodeVertices[nodes[0]], s), ref nextMember);
                }
            }

            var sourceDomain = _deployment == HybridDeployment.ProviderGateways
                ? siteDomains[0]
                : Home("source", _lab.SourceVertex, 0);
            _source = new HeadEndNode(sourceDomain, NextSourceId());
            _sourceId = AddHost("source", _source, sourceDomain, [_lab.SourceVertex]);
            (_headEnd, _headEndId) = (_source, _sourceId);
            if (_deployment == HybridDeployment.HomeGateways && _options.AggregatedRound)
            {
                _headEnd = new HeadEndNode(siteDomains[0], NextSourceId());
                _headEndId = AddHost("head-end", _headEnd, siteDomains[0], [_lab.SiteVertex(0)]);
            }
        }

        private void AddSwarm(string name, int[] nodes, DomainId domain, ref ulong nextMember)
        {
            var swarm = new DeviceSwarmNode(domain, Group, nextMember, nodes.Length, _readings, _options.ReplySpread);
            nextMember += (ulong)nodes.Length;
            _swarms.Add((swarm, nodes));
            AddHost(name, swarm, domain, [.. nodes.Select(n => _lab.NodeVertices[n])]);
        }

        /// <summary>HG: a home domain with a leaf gateway at the host's vertex, attached to its site's transit gateway.</summary>
        private DomainId Home(string name, int vertex, int site)
        {
            var domain = _sim.AddDomain($"home-{name}", LinkConditions.Perfect);
            var upstream = _transit[site];
            var leaf = AddGateway($"hg-{name}", domain, vertex, GatewayRole.Leaf, carry: true, upstream.Node);
            _leaves.Add((leaf.Node, leaf.Id, upstream.Node));
            Link(leaf, upstream, PeerKind.Upstream, PeerKind.Leaf);
            return domain;
        }

        private (GatewaySimNode Node, NodeId Id) AddGateway(string name, DomainId domain, int vertex, GatewayRole role, bool carry, GatewaySimNode? upstream)
        {
            var id = new GatewayId(name);
            var gatewayOptions = new GatewayOptions
            {
                Id = id,
                Role = role,
                Carry = carry ? [Group] : [],
                Upstreams = upstream is null ? [] : [upstream.Id],
                SourceId = NextSourceId(),
            };
            if (role == GatewayRole.Leaf && _options.HomeHelloInterval is { } hello)
            {
                gatewayOptions = gatewayOptions with { HelloInterval = hello, HoldTime = 3 * hello, StartupWait = TimeSpan.Zero };
            }

            var node = new GatewaySimNode(new OverlayGateway(gatewayOptions, _sim.Now), domain, _directory);
            NodeId self = default;
            var nodeId = _sim.AddNode(name, created =>
            {
                self = created;
                return new DelayedNode(node, () => _sim.Now, _options.Processing, TimeSpan.Zero, t => Observe(self, t));
            });
            _directory.Add(id, nodeId);
            _sim.Attach(domain, nodeId);
            _vertexOf.Add(nodeId, vertex);
            _gateways.Add((node, nodeId));
            return (node, nodeId);
        }

        /// <summary>
        /// A host (the head-end or a swarm of devices) in a domain; in a site domain its homes sit
        /// behind their access links, and native multicast there crosses each of them.
        /// </summary>
        private NodeId AddHost(string name, ISimulatedNode host, DomainId domain, int[] vertices)
        {
            var site = _deployment == HybridDeployment.ProviderGateways;
            var access = site ? _lab.Delays.AccessDelay : TimeSpan.Zero;
            NodeId self = default;
            var nodeId = _sim.AddNode(name, created =>
            {
                self = created;
                return new DelayedNode(host, () => _sim.Now, access, access, t => Observe(self, t));
            });
            _sim.Attach(domain, nodeId);
            _vertexOf.Add(nodeId, vertices[0]);
            if (!_nativeLinks.TryGetValue(domain, out var links))
            {
                links = [];
                _nativeLinks.Add(domain, links);
            }

            if (site)
            {
                links.AddRange(vertices.Select(_lab.AccessLinkOf));
            }

            return nodeId;
        }

        private void Link((GatewaySimNode Node, NodeId Id) a, (GatewaySimNode Node, NodeId Id) b, PeerKind kindAtA, PeerKind kindAtB)
        {
            var delay = TimeSpan.FromTicks(PathBetween(_vertexOf[a.Id], _vertexOf[b.Id]).Sum(l => l.Delay.Ticks));
            _sim.Connect(a.Id, b.Id, new LinkConditions { Delay = delay });
            var cost = (uint)Math.Max(1, delay.TotalMicroseconds);
            _sim.Invoke(a.Id, now => a.Node.Gateway.PeerUp(now, b.Node.Id, kindAtA, cost));
            _sim.Invoke(b.Id, now => b.Node.Gateway.PeerUp(now, a.Node.Id, kindAtB, cost));
        }

        /// <summary>Counts a frame of a measured message where it starts its way: a relay on an overlay link, or a native multicast in a domain.</summary>
        private void Observe(NodeId from, SimTransmit transmit)
        {
            if (!_measuring)
            {
                return;
            }

            var datagram = transmit.Datagram;
            if (transmit.Node is { } to)
            {
                if (datagram.IsEmpty || datagram.Span[0] != GatewaySimNode.OverlayChannel
                    || !FrameCodec.TryDecodeDatagram(datagram[1..], out var relay, out _, GatewaySimNode.OverlayMaxFrameSize)
                    || relay.Type != FrameType.Relay
                    || !TryMeasurement(relay, out var measurement))
                {
                    return;
                }

                measurement.Transmission(PathBetween(_vertexOf[from], _vertexOf[to]));
            }
            else if (FrameCodec.TryDecodeDatagram(datagram, out var frame, out _)
                && frame.Type == FrameType.Data
                && TryMeasurement(frame, out var measurement))
            {
                measurement.Transmission(_nativeLinks[transmit.Domain!.Value], bySource: from == _sourceId);
            }
        }

        /// <summary>
        /// The underlay links between two gateways' vertices. A home and its own site's router are
        /// joined by the home's access link alone; asking the router for that path would build a
        /// shortest-path tree per home, which a sweep over many homes cannot afford.
        /// </summary>
        private ImmutableArray<NetworkLink> PathBetween(int from, int to)
        {
            var backbone = _lab.Underlay.Nodes.Length;
            if (from >= backbone && _lab.AccessLinkOf(from).Other(from) == to)
            {
                return [_lab.AccessLinkOf(from)];
            }

            if (to >= backbone && _lab.AccessLinkOf(to).Other(to) == from)
            {
                return [_lab.AccessLinkOf(to)];
            }

            return _lab.Routes.Path(from, to).Links;
        }

        private bool TryMeasurement(in GridCastFrame frame, out MessageMeasurement measurement)
        {
            measurement = null!;
            if (_source is null || frame.SourceId != _source.SourceId || !_messages.TryGetValue(frame.Sequence, out var entry))
            {
                return false;
            }

            measurement = entry.Measurement;
            return true;
        }

        /// <summary>
        /// Every election is decided, every transit gateway holds every transit gateway's
        /// advertisement with nothing unacknowledged and knows who wants the group, and every leaf
        /// has asked its upstream for it.
        /// </summary>
        private bool Settled()
        {
            foreach (var (node, _) in _gateways)
            {
                var gateway = node.Gateway;
                if (!gateway.Election.IsReady || gateway.PendingHandovers > 0 || (gateway.Options.Carry.Count > 0 && !gateway.IsDesignated(Group)))
                {
                    return false;
                }
            }

            foreach (var (node, _) in _transit)
            {
                var flooding = node.Gateway.Flooding!;
                if (flooding.Database.Count != _transit.Count || flooding.PendingCount != 0 || flooding.Database.InterestedIn(Group).Count != _transit.Count)
                {
                    return false;
                }
            }

            // One set of children per upstream per check: a transit gateway serves thousands of
            // leaves in a sweep, and a list search per leaf would make each check quadratic.
            var children = new Dictionary<GatewayId, HashSet<GatewayId>>();
            foreach (var (leaf, _, upstream) in _leaves)
            {
                if (leaf.Gateway.ActiveUpstream != upstream.Id)
                {
                    return false;
                }

                if (!children.TryGetValue(upstream.Id, out var served))
                {
                    served = [.. upstream.Gateway.ChildrenOf(Group)];
                    children.Add(upstream.Id, served);
                }

                if (!served.Contains(leaf.Id))
                {
                    return false;
                }
            }

            return true;
        }

        private ulong NextSourceId() => (ulong)_sim.Random.NextInt64(1, long.MaxValue);
    }
}
