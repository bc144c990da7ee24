using System.Globalization;
using System.Text;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Overlay.Flooding;
using Bridge.Multicast.Overlay.Routing;
using Bridge.Simulation;
using Bridge.Simulation.Nodes;

namespace Bridge.Multicast.Tests.Overlay.Flooding;

/// <summary>
/// A random connected overlay of flooding gateways on a simulator: a random spanning tree plus
/// extra links, each link with its own delay (its cost is the round trip), jitter, loss and
/// reordering. Everything is drawn from the simulator's seeded randomness.
/// </summary>
internal sealed class FloodingOverlay
{
    public static readonly GroupName Tariff = GroupName.Parse("ham:sg:ami.tariff.rtp");
    public static readonly GroupName Schedule = GroupName.Parse("ham:sg:vpp.schedule");

    private readonly GatewayDirectory _network = new();

    private FloodingOverlay(Simulator sim, int count, FloodingOptions options)
    {
        Sim = sim;
        var random = sim.Random;
        var nodes = new FloodingNode[count];
        var ids = new NodeId[count];
        for (var i = 0; i < count; i++)
        {
            var gateway = new GatewayId(string.Create(CultureInfo.InvariantCulture, $"gw{i:D3}"));
            nodes[i] = new FloodingNode(new LinkStateFlooding(gateway, sim.Now, options), _network);
            ids[i] = sim.AddNode(gateway.Value, nodes[i]);
            _network.Add(gateway, ids[i]);
        }

        Nodes = nodes;
        NodeIds = ids;
        var parents = new int[count];
        parents[0] = -1;
        TreeParent = parents;
        var pairs = new HashSet<(int, int)>();
        var links = new List<(int A, int B, uint Cost)>();
        void Link(int a, int b)
        {
            if (a == b || !pairs.Add((Math.Min(a, b), Math.Max(a, b))))
            {
                return;
            }

            var delay = TimeSpan.FromMilliseconds(random.Next(1, 21));
            sim.Connect(ids[a], ids[b], new LinkConditions
            {
                Delay = delay,
                Jitter = TimeSpan.FromMilliseconds(2),
                LossProbability = 0.05,
                ReorderProbability = 0.05,
                ReorderDelay = TimeSpan.FromMilliseconds(10),
            });
            links.Add((a, b, (uint)(2 * delay.TotalMicroseconds)));
        }

        for (var i = 1; i < count; i++)
        {
            parents[i] = random.Next(i);
            Link(parents[i], i);
        }

        for (var k = count / 2; k > 0; k--)
        {
            Link(random.Next(count), random.Next(count));
        }

        Links = links;
        foreach (var (a, b, cost) in links)
        {
            Up(a, b, cost);
        }

        for (var i = 0; i < count; i++)
        {
            var groups = new List<GroupName>();
            if (random.Next(3) == 0)
            {
                groups.Add(Tariff);
            }

            if (random.Next(5) == 0)
            {
                groups.Add(Schedule);
            }

            var node = nodes[i];
            sim.Invoke(ids[i], now => node.Flooding.SetGroups(now, groups));
        }
    }

    public Simulator Sim { get; }

    public IReadOnlyList<FloodingNode> Nodes { get; }

    public IReadOnlyList<NodeId> NodeIds { get; }

    /// <summary>The links, as node indices and the cost both ends measure.</summary>
    public IReadOnlyList<(int A, int B, uint Cost)> Links { get; }

    /// <summary>The parent of each node in the spanning tree the overlay was built on; -1 at node 0.</summary>
    public IReadOnlyList<int> TreeParent { get; }

    /// <summary>The node of the spanning tree whose subtree holds nearest half the nodes: cutting above it splits the overlay evenly.</summary>
    public int MiddleSubtree()
    {
        var sizes = new int[Nodes.Count];
        for (var i = Nodes.Count - 1; i > 0; i--) // parents have lower indices than their children
        {
            sizes[i]++;
            sizes[TreeParent[i]] += sizes[i];
        }

        return Enumerable.Range(1, Nodes.Count - 1).MinBy(i => Math.Abs((2 * sizes[i]) - Nodes.Count));
    }

    /// <summary>An overlay of 20 to 100 gateways (drawn from the seed), with every link up at the start.</summary>
    public static FloodingOverlay Create(Simulator sim, FloodingOptions options) => new(sim, sim.Random.Next(20, 101), options);

    /// <summary>The overlay link between two nodes is up at both ends (the drivers noticed).</summary>
    public void Up(int a, int b, uint cost)
    {
        var (na, nb) = (Nodes[a], Nodes[b]);
        Sim.Invoke(NodeIds[a], now => na.Flooding.NeighborUp(now, nb.Id, cost));
        Sim.Invoke(NodeIds[b], now => nb.Flooding.NeighborUp(now, na.Id, cost));
    }

    /// <summary>The overlay link between two nodes is down at both ends.</summary>
    public void Down(int a, int b)
    {
        var (na, nb) = (Nodes[a], Nodes[b]);
        Sim.Invoke(NodeIds[a], now => na.Flooding.NeighborDown(now, nb.Id));
        Sim.Invoke(NodeIds[b], now => nb.Flooding.NeighborDown(now, na.Id));
    }

    /// <summary>Whether the nodes at <paramref name="members"/> hold identical databases with exactly <paramref name="origins"/> advertisements.</summary>
    public bool Agree(IReadOnlyList<int> members, int origins)
    {
        // Cheap first: the same numbers everywhere. Only then the full content.
        var reference = Nodes[members[0]].Flooding.Database;
        foreach (var i in members)
        {
            var database = Nodes[i].Flooding.Database;
            if (database.Count != origins)
            {
                return false;
            }

            foreach (var advertisement in database.Advertisements)
            {
                if (!reference.TryGet(advertisement.Origin, out var held) || held.Sequence != advertisement.Sequence)
                {
                    return false;
                }
            }
        }

        string? first = null;
        foreach (var i in members)
        {
            var database = Nodes[i].Flooding.Database;

            var print = Fingerprint(database);
            first ??= print;
            if (print != first)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether nothing waits for an acknowledgement anywhere among <paramref name="members"/>.</summary>
    public bool Quiet(IEnumerable<int> members) => members.All(i => Nodes[i].Flooding.PendingCount == 0);

    /// <summary>
    /// Drives in steps of 10 ms until <paramref name="done"/> holds; returns the virtual time it
    /// took, or fails with the seed after <paramref name="bound"/>.
    /// </summary>
    public TimeSpan DriveUntil(Func<bool> done, TimeSpan bound, string what) => Sim.DriveUntil(done, bound, what);

    /// <summary>The content of a database: per origin its number, links and groups.</summary>
    public static string Fingerprint(LinkStateDatabase database)
    {
        var text = new StringBuilder();
        foreach (var advertisement in database.Advertisements)
        {
            text.Append(CultureInfo.InvariantCulture, $"{advertisement.Origin}#{advertisement.Sequence}[");
            foreach (var link in advertisement.Links)
            {
                text.Append(CultureInfo.InvariantCulture, $"{link.Neighbor}:{link.CostMicroseconds},");
            }

            text.Append("](").AppendJoin(',', advertisement.Groups.Select(g => g.Canonical)).Append(")\n");
        }

        return text.ToString();
    }
}
