using Bridge.Multicast.Naming;
using Bridge.Multicast.Overlay.Election;

namespace Bridge.Simulation.Nodes;

/// <summary>
/// Puts a <see cref="DesignatedGatewayElection"/> on a <see cref="Simulator"/> domain: hellos go
/// to every other member of the domain, as a driver multicasts them; events are kept with the
/// virtual time of the input that raised them. The node can crash (<see cref="Halt"/>: it hears
/// and says nothing, its timer stops) and come back as a fresh instance (<see cref="Restart"/>).
/// </summary>
public sealed class ElectionNode : ISimulatedNode
{
    private readonly ElectionOptions _options;
    private readonly DomainId _domain;
    private readonly GroupName[] _groups;
    private readonly List<(TimeSpan At, ElectionEvent Event)> _events = [];
    private readonly List<TimeSpan> _hellosSentAt = [];
    private readonly Dictionary<NodeId, int> _datagramsFrom = [];
    private TimeSpan _now;

    public ElectionNode(ElectionOptions options, DomainId domain, IEnumerable<GroupName> groups)
    {
        _options = options;
        _domain = domain;
        _groups = groups.ToArray();
        Election = Create();
    }

    /// <summary>The election under test: a new instance after each <see cref="Restart"/>.</summary>
    public DesignatedGatewayElection Election { get; private set; }

    /// <summary>Whether the node has crashed and not restarted.</summary>
    public bool Halted { get; private set; }

    /// <summary>Every event any instance raised, in order, with its virtual time.</summary>
    public IReadOnlyList<(TimeSpan At, ElectionEvent Event)> Events => _events;

    /// <summary>When each hello was handed to the network.</summary>
    public IReadOnlyList<TimeSpan> HellosSentAt => _hellosSentAt;

    /// <summary>Whether the node is configured to serve <paramref name="group"/>.</summary>
    public bool Serves(GroupName group) => _groups.Contains(group);

    /// <summary>How many datagrams arrived from <paramref name="node"/> while the node was running.</summary>
    public int DatagramsFrom(NodeId node) => _datagramsFrom.GetValueOrDefault(node);

    /// <summary>Starts the election; give it through <see cref="Simulator.Invoke"/> or a scheduled command.</summary>
    public void Start(TimeSpan now)
    {
        _now = now;
        Election.Start(now);
        Collect();
    }

    /// <summary>Crashes the node: from now on it neither hears nor says anything.</summary>
    public void Halt() => Halted = true;

    /// <summary>Brings the node back with a fresh election that knows nothing, and starts it.</summary>
    public void Restart(TimeSpan now)
    {
        Halted = false;
        Election = Create();
        Start(now);
    }

    public void HandleDatagram(TimeSpan now, NodeId from, ReadOnlyMemory<byte> datagram)
    {
        // A driver that has not started (or has crashed) has no socket open to hear with.
        if (Halted || !Election.IsStarted)
        {
            return;
        }

        _now = now;
        _datagramsFrom[from] = DatagramsFrom(from) + 1;
        Election.HandleHello(now, datagram.Span);
        Collect();
    }

    public void HandleTimeout(TimeSpan now)
    {
        if (Halted)
        {
            return;
        }

        _now = now;
        Election.HandleTimeout(now);
        Collect();
    }

    public bool TryPollTransmit(out SimTransmit transmit)
    {
        if (Halted || !Election.TryPollTransmit(out var hello))
        {
            transmit = default;
            return false;
        }

        _hellosSentAt.Add(_now);
        transmit = SimTransmit.ToDomain(_domain, hello);
        return true;
    }

    public TimeSpan? PollTimeout() => Halted ? null : Election.PollTimeout();

    private DesignatedGatewayElection Create()
    {
        var election = new DesignatedGatewayElection(_options);
        foreach (var group in _groups)
        {
            election.Serve(group);
        }

        return election;
    }

    private void Collect()
    {
        while (Election.TryPollEvent(out var e))
        {
            _events.Add((_now, e));
        }
    }
}
