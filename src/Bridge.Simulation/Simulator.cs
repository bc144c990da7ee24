using System.Globalization;

namespace Bridge.Simulation;

/// <summary>
/// A deterministic network of sans-IO nodes: a virtual clock, point-to-point links and multicast
/// domains with delay, jitter, loss, duplication and reordering, and partitions that can be cut
/// and healed at any virtual time.
/// </summary>
/// <remarks>
/// <para>Everything that happens is an event in one queue ordered by (virtual time, order of
/// insertion), and every random choice is drawn from one <see cref="Random"/> seeded with
/// <see cref="Seed"/>, in an order fixed by the events. The same seed and the same test therefore
/// give the same run, event for event (<see cref="SimTrace.Digest"/>). There are no threads, real
/// clocks or sockets.</para>
/// <para>Use: add nodes, links and domains; give nodes commands with <see cref="Invoke"/> or
/// <see cref="Schedule(TimeSpan, NodeId, string, Action{TimeSpan})"/>; then <see cref="Step"/>,
/// <see cref="Drive(Func{bool})"/>, <see cref="Drive(TimeSpan)"/> or
/// <see cref="DriveBounded"/>. Wrap the test in <see cref="Run(int, Action{Simulator}, SimulatorOptions?)"/>
/// so that a failure names the seed.</para>
/// <para>After every input it gives a node (a datagram, a timeout, a command), the simulator
/// drains the node's transmits and re-reads its timeout, as a real driver does.</para>
/// </remarks>
public sealed class Simulator
{
    private readonly Random _random;
    private readonly SimulatorOptions _options;
    private readonly PriorityQueue<Event, EventKey> _queue = new();
    private readonly List<NodeState> _nodes = [];
    private readonly List<DomainState> _domains = [];
    private readonly Dictionary<(NodeId From, NodeId To), LinkConditions> _links = [];
    private readonly HashSet<(NodeId, NodeId)> _cuts = [];
    private readonly List<(string Name, Action Check)> _invariants = [];
    private long _nextOrder;

    /// <summary>Creates an empty network whose randomness all comes from <paramref name="seed"/>.</summary>
    public Simulator(int seed, SimulatorOptions? options = null)
    {
        _options = options ?? new SimulatorOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.TraceCapacity, 1, nameof(options));
        Seed = seed;
        _random = new Random(seed);
        Trace = new SimTrace(_options.TraceCapacity, NameOf, NameOf);
    }

    /// <summary>The seed every random choice of this run derives from.</summary>
    public int Seed { get; }

    /// <summary>
    /// The run's one source of randomness, also for the scenario's own choices (message sizes,
    /// who sends when): drawn from here, they replay with the seed like everything else.
    /// </summary>
    public Random Random => _random;

    /// <summary>The virtual time: zero at the start, moved only by processing events.</summary>
    public TimeSpan Now { get; private set; }

    /// <summary>What the network did.</summary>
    public SimulatorCounters Counters { get; } = new();

    /// <summary>What happened, for failure messages and determinism checks.</summary>
    public SimTrace Trace { get; }

    /// <summary>True when no event is pending: nothing in flight, no timer armed, nothing scheduled.</summary>
    public bool IsIdle
    {
        get
        {
            SkipStaleTimers();
            return _queue.Count == 0;
        }
    }

    /// <summary>The time of the next event, or null when idle.</summary>
    public TimeSpan? NextEventTime
    {
        get
        {
            SkipStaleTimers();
            return _queue.TryPeek(out _, out var key) ? key.Time : null;
        }
    }

    /// <summary>Adds a node; the simulator polls it at once for transmits and a timeout.</summary>
    public NodeId AddNode(string name, ISimulatedNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return AddNode(name, _ => node);
    }

    /// <summary>Adds a node that needs to know its own id, created by <paramref name="create"/>.</summary>
    public NodeId AddNode(string name, Func<NodeId, ISimulatedNode> create)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(create);
        var id = new NodeId(_nodes.Count);
        _nodes.Add(new NodeState(name, create(id)));
        Poll(id);
        return id;
    }

    /// <summary>The node behind <paramref name="id"/>.</summary>
    public ISimulatedNode Node(NodeId id) => State(id).Node;

    /// <summary>The node behind <paramref name="id"/>, as the type the test added.</summary>
    public T Node<T>(NodeId id)
        where T : ISimulatedNode => (T)State(id).Node;

    /// <summary>The name the node was added with.</summary>
    public string NameOf(NodeId id) => State(id).Name;

    /// <summary>The name the domain was added with.</summary>
    public string NameOf(DomainId id) => Domain(id).Name;

    /// <summary>Joins two nodes by a link that treats both directions with <paramref name="conditions"/>.</summary>
    public void Connect(NodeId a, NodeId b, LinkConditions conditions)
    {
        Connect(a, b, conditions, conditions);
    }

    /// <summary>Joins two nodes by a link with its own conditions in each direction; replaces an existing link.</summary>
    public void Connect(NodeId a, NodeId b, LinkConditions aToB, LinkConditions bToA)
    {
        ArgumentNullException.ThrowIfNull(aToB);
        ArgumentNullException.ThrowIfNull(bToA);
        State(a);
        State(b);
        if (a == b)
        {
            throw new ArgumentException($"a link joins two different nodes, not {NameOf(a)} to itself", nameof(b));
        }

        aToB.Validate();
        bToA.Validate();
        _links[(a, b)] = aToB;
        _links[(b, a)] = bToA;
    }

    /// <summary>Removes the link between two nodes; what is on its way still arrives.</summary>
    public void Disconnect(NodeId a, NodeId b)
    {
        _links.Remove((a, b));
        _links.Remove((b, a));
    }

    /// <summary>Adds a multicast domain: whatever a member sends to it, every other member receives.</summary>
    public DomainId AddDomain(string name, LinkConditions conditions)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(conditions);
        conditions.Validate();
        _domains.Add(new DomainState(name, conditions));
        return new DomainId(_domains.Count - 1);
    }

    /// <summary>Changes how a domain treats datagrams sent from now on.</summary>
    public void SetConditions(DomainId domain, LinkConditions conditions)
    {
        ArgumentNullException.ThrowIfNull(conditions);
        conditions.Validate();
        Domain(domain).Conditions = conditions;
    }

    /// <summary>Makes a node a member of a domain (its network interface is on that LAN).</summary>
    public void Attach(DomainId domain, NodeId node)
    {
        State(node);
        var members = Domain(domain).Members;
        if (!members.Contains(node))
        {
            members.Add(node);
        }
    }

    /// <summary>Takes a node off a domain; datagrams on their way to it are dropped on arrival.</summary>
    public void Detach(DomainId domain, NodeId node)
    {
        Domain(domain).Members.Remove(node);
    }

    /// <summary>The members of a domain, in the order they were attached.</summary>
    public IReadOnlyList<NodeId> MembersOf(DomainId domain) => Domain(domain).Members;

    /// <summary>
    /// Cuts all traffic between two nodes, in both directions, over links and domains alike.
    /// Datagrams sent while the cut holds, or arriving while it holds, are dropped.
    /// </summary>
    public void Cut(NodeId a, NodeId b)
    {
        State(a);
        State(b);
        _cuts.Add(Pair(a, b));
    }

    /// <summary>Cuts every pair with one node on each side.</summary>
    public void Cut(IEnumerable<NodeId> side, IEnumerable<NodeId> otherSide)
    {
        ArgumentNullException.ThrowIfNull(side);
        ArgumentNullException.ThrowIfNull(otherSide);
        var others = otherSide.ToList();
        foreach (var a in side)
        {
            foreach (var b in others)
            {
                Cut(a, b);
            }
        }
    }

    /// <summary>Undoes <see cref="Cut(NodeId, NodeId)"/> for one pair.</summary>
    public void Heal(NodeId a, NodeId b)
    {
        _cuts.Remove(Pair(a, b));
    }

    /// <summary>Undoes every cut and isolation.</summary>
    public void HealAll()
    {
        _cuts.Clear();
        foreach (var node in _nodes)
        {
            node.Isolated = false;
        }
    }

    /// <summary>Cuts a node off from everyone; its timers still fire.</summary>
    public void Isolate(NodeId node) => State(node).Isolated = true;

    /// <summary>Undoes <see cref="Isolate"/>.</summary>
    public void Rejoin(NodeId node) => State(node).Isolated = false;

    /// <summary>Whether a datagram from <paramref name="from"/> to <paramref name="to"/> would be dropped by a partition now.</summary>
    public bool IsPartitioned(NodeId from, NodeId to)
        => State(from).Isolated || State(to).Isolated || _cuts.Contains(Pair(from, to));

    /// <summary>Adds a check run after every event, such as a memory bound; a throw fails the run.</summary>
    public void AddInvariant(string name, Action check)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(check);
        _invariants.Add((name, check));
    }

    /// <summary>Gives a node a command now (<paramref name="command"/> gets the virtual time), then polls it.</summary>
    public void Invoke(NodeId node, Action<TimeSpan> command)
    {
        ArgumentNullException.ThrowIfNull(command);
        State(node);
        command(Now);
        Poll(node);
    }

    /// <summary>Polls a node the test changed outside <see cref="Invoke"/>: drains its transmits, re-reads its timeout.</summary>
    public void Poll(NodeId node)
    {
        var state = State(node);
        var polled = 0;
        while (state.Node.TryPollTransmit(out var transmit))
        {
            if (++polled > _options.TransmitLimitPerPoll)
            {
                throw Failure($"{state.Name} handed over more than {_options.TransmitLimitPerPoll} datagrams after one input");
            }

            Route(node, transmit);
        }

        var deadline = state.Node.PollTimeout();
        if (deadline != state.Deadline)
        {
            state.Deadline = deadline;
            state.TimerGeneration++;
            if (deadline is { } at)
            {
                Enqueue(at < Now ? Now : at, Event.Timer(node, state.TimerGeneration));
            }
        }
    }

    /// <summary>Runs <paramref name="action"/> at virtual time <paramref name="at"/>, such as a cut or a heal.</summary>
    public void Schedule(TimeSpan at, string label, Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        ScheduleCore(at, label, null, _ => action());
    }

    /// <summary>Gives <paramref name="node"/> a command at virtual time <paramref name="at"/>, then polls it.</summary>
    public void Schedule(TimeSpan at, NodeId node, string label, Action<TimeSpan> command)
    {
        ArgumentNullException.ThrowIfNull(command);
        State(node);
        ScheduleCore(at, label, node, command);
    }

    /// <summary>Processes the next event, moving the clock to its time; false when there is none.</summary>
    public bool Step()
    {
        SkipStaleTimers();
        if (!_queue.TryDequeue(out var next, out var key))
        {
            return false;
        }

        Now = key.Time;
        Counters.Events++;
        Process(next);
        foreach (var (name, check) in _invariants)
        {
            try
            {
                check();
            }
            catch (Exception e) when (e is not SimulationException)
            {
                throw Failure($"invariant '{name}' broken after event #{Counters.Events}: {e.Message}", e);
            }
        }

        return true;
    }

    /// <summary>
    /// Processes events until <paramref name="until"/> holds (checked before each one) or none is
    /// left; returns whether it holds. Fails with the seed after <see cref="SimulatorOptions.RunawayEventLimit"/> events.
    /// </summary>
    public bool Drive(Func<bool> until)
    {
        ArgumentNullException.ThrowIfNull(until);
        for (long processed = 0; !until(); processed++)
        {
            if (processed == _options.RunawayEventLimit)
            {
                throw Failure($"Drive processed {processed} events without the condition holding; is a node running away?");
            }

            if (!Step())
            {
                return until();
            }
        }

        return true;
    }

    /// <summary>Processes every event due at or before <paramref name="until"/>, then sets the clock to it.</summary>
    public void Drive(TimeSpan until)
    {
        if (until < Now)
        {
            throw new ArgumentOutOfRangeException(nameof(until), until, $"the clock is already at {FormatTime(Now)}");
        }

        for (long processed = 0; NextEventTime is { } next && next <= until; processed++)
        {
            if (processed == _options.RunawayEventLimit)
            {
                throw Failure($"Drive processed {processed} events before {FormatTime(until)}; is a node running away?");
            }

            Step();
        }

        Now = until;
    }

    /// <summary>Processes the events of the next <paramref name="duration"/> of virtual time.</summary>
    public void DriveFor(TimeSpan duration) => Drive(Now + duration);

    /// <summary>Processes events until none is left.</summary>
    public void DriveToIdle() => Drive(() => false);

    /// <summary>
    /// Drives in steps of <paramref name="step"/> (10 ms when null) until <paramref name="done"/>
    /// holds, checking it between steps; returns the virtual time it took, or fails with the seed
    /// once more than <paramref name="bound"/> has passed.
    /// </summary>
    public TimeSpan DriveUntil(Func<bool> done, TimeSpan bound, string what, TimeSpan? step = null)
    {
        ArgumentNullException.ThrowIfNull(done);
        var start = Now;
        while (!done())
        {
            if (Now - start > bound)
            {
                throw Failure($"{what} did not happen within {bound.TotalSeconds} s of virtual time");
            }

            DriveFor(step ?? TimeSpan.FromMilliseconds(10));
        }

        return Now - start;
    }

    /// <summary>
    /// Processes events until <paramref name="until"/> holds, failing with the seed in the message
    /// when that takes more than <paramref name="maxEvents"/> events, when the next event lies more
    /// than <paramref name="maxTime"/> of virtual time after the call, or when the network goes
    /// idle first (the condition can then never hold).
    /// </summary>
    public void DriveBounded(Func<bool> until, long maxEvents, TimeSpan? maxTime = null)
    {
        ArgumentNullException.ThrowIfNull(until);
        ArgumentOutOfRangeException.ThrowIfNegative(maxEvents);
        var start = Now;
        var deadline = maxTime is { } t ? start + t : TimeSpan.MaxValue;
        for (long processed = 0; !until(); processed++)
        {
            var next = NextEventTime;
            if (next is null)
            {
                throw Failure($"DriveBounded: the network went idle after {processed} events, {FormatTime(Now - start)} of virtual time, and the condition does not hold");
            }

            if (processed == maxEvents)
            {
                throw Failure($"DriveBounded: the bound of {maxEvents} events was reached before the condition held");
            }

            if (next > deadline)
            {
                Now = deadline;
                throw Failure($"DriveBounded: the bound of {FormatTime(maxTime!.Value)} of virtual time was reached after {processed} events before the condition held");
            }

            Step();
        }
    }

    /// <summary>
    /// Runs <paramref name="body"/> on a simulator seeded with <paramref name="seed"/>. Any
    /// exception comes out as a <see cref="SimulationException"/> whose message gives the seed, the
    /// replay setting, the virtual time and the end of the trace, with the original as inner exception.
    /// </summary>
    public static void Run(int seed, Action<Simulator> body, SimulatorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        var simulator = new Simulator(seed, options);
        try
        {
            body(simulator);
        }
        catch (SimulationException e) when (e.Seed == seed)
        {
            throw;
        }
        catch (Exception e)
        {
            throw simulator.Failure($"{e.GetType().Name}: {e.Message}", e);
        }
    }

    /// <summary>
    /// Runs <paramref name="body"/> once per seed, in order, each on a fresh simulator, stopping at
    /// the first failure (see <see cref="Run(int, Action{Simulator}, SimulatorOptions?)"/>).
    /// </summary>
    public static void Run(IEnumerable<int> seeds, Action<Simulator> body, SimulatorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        foreach (var seed in seeds)
        {
            Run(seed, body, options);
        }
    }

    /// <summary>An exception whose message gives the seed, how to replay it, the clock and the end of the trace.</summary>
    public SimulationException Failure(string what, Exception? inner = null)
    {
        var message = string.Create(
            CultureInfo.InvariantCulture,
            $"""
            {what}
            seed {Seed} (replay: {SimulationSeed.EnvironmentVariable}={Seed}), virtual time {FormatTime(Now)}, {Counters.Events} events
            last {Math.Min(Trace.Count, _options.TraceLinesOnFailure)} of {Trace.Count} trace entries:
            {Trace.Format(_options.TraceLinesOnFailure)}
            """);
        return new SimulationException(Seed, message, inner);
    }

    /// <summary>A virtual time as seconds with microseconds, e.g. <c>t=1.000250s</c>.</summary>
    public static string FormatTime(TimeSpan time)
        => string.Create(CultureInfo.InvariantCulture, $"t={time.TotalSeconds:0.000000}s");

    private static (NodeId, NodeId) Pair(NodeId a, NodeId b) => a.Value <= b.Value ? (a, b) : (b, a);

    private NodeState State(NodeId id)
        => id.Value >= 0 && id.Value < _nodes.Count
            ? _nodes[id.Value]
            : throw new ArgumentOutOfRangeException(nameof(id), id, "no such node in this simulation");

    private DomainState Domain(DomainId id)
        => id.Value >= 0 && id.Value < _domains.Count
            ? _domains[id.Value]
            : throw new ArgumentOutOfRangeException(nameof(id), id, "no such domain in this simulation");

    private void ScheduleCore(TimeSpan at, string label, NodeId? node, Action<TimeSpan> action)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(label);
        if (at < Now)
        {
            throw new ArgumentOutOfRangeException(nameof(at), at, $"the clock is already at {FormatTime(Now)}");
        }

        Enqueue(at, Event.Action(node, label, action));
    }

    private void Enqueue(TimeSpan at, Event e) => _queue.Enqueue(e, new EventKey(at, _nextOrder++));

    /// <summary>Drops timer events superseded by a later <see cref="ISimulatedNode.PollTimeout"/> (lazy deletion).</summary>
    private void SkipStaleTimers()
    {
        while (_queue.TryPeek(out var next, out _)
            && next.Kind == EventKind.Timer
            && State(next.To).TimerGeneration != next.TimerGeneration)
        {
            _queue.Dequeue();
        }
    }

    private void Process(Event e)
    {
        switch (e.Kind)
        {
            case EventKind.Deliver:
                Deliver(e);
                break;
            case EventKind.Timer:
                var state = State(e.To);
                state.Deadline = null;
                state.TimerGeneration++;
                Counters.Timeouts++;
                Trace.Add(Now, SimTraceKind.Timeout, e.To);
                state.Node.HandleTimeout(Now);
                Poll(e.To);
                break;
            default:
                Trace.Add(Now, SimTraceKind.Action, e.ActionNode, label: e.Label);
                e.Run!(Now);
                if (e.ActionNode is { } node)
                {
                    Poll(node);
                }

                break;
        }
    }

    private void Deliver(Event e)
    {
        var datagram = e.Datagram!;
        var hash = SimTrace.HashContent(datagram);
        var reason = SimDropReason.None;
        if (IsPartitioned(e.From, e.To))
        {
            reason = SimDropReason.Partition;
            Counters.PartitionDrops++;
        }
        else if (e.Domain is { } domain && !Domain(domain).Members.Contains(e.To))
        {
            reason = SimDropReason.Detached;
            Counters.DetachedDrops++;
        }

        if (reason != SimDropReason.None)
        {
            Trace.Add(Now, SimTraceKind.Drop, e.To, e.From, e.Domain, datagram.Length, hash, reason);
            return;
        }

        Counters.Deliveries++;
        Trace.Add(Now, SimTraceKind.Deliver, e.To, e.From, e.Domain, datagram.Length, hash);
        State(e.To).Node.HandleDatagram(Now, e.From, datagram);
        Poll(e.To);
    }

    private void Route(NodeId from, SimTransmit transmit)
    {
        Counters.Transmits++;

        // The node may reuse its buffer once polled again; what travels is a copy, shared by every receiver.
        var datagram = transmit.Datagram.ToArray();
        var hash = SimTrace.HashContent(datagram);
        if (transmit.Domain is { } domain)
        {
            Trace.Add(Now, SimTraceKind.Transmit, from, null, domain, datagram.Length, hash);
            var state = Domain(domain);
            if (!state.Members.Contains(from))
            {
                Counters.NoRouteDrops++;
                Trace.Add(Now, SimTraceKind.Drop, null, from, domain, datagram.Length, hash, SimDropReason.NoRoute);
                return;
            }

            // A copy of the member list: a node attached later does not receive what was already sent.
            foreach (var member in state.Members.ToArray())
            {
                if (member != from)
                {
                    Send(from, member, domain, state.Conditions, datagram, hash);
                }
            }
        }
        else
        {
            var to = transmit.Node ?? throw new InvalidOperationException($"{NameOf(from)} handed over a transmit with no destination");
            State(to);
            Trace.Add(Now, SimTraceKind.Transmit, from, to, null, datagram.Length, hash);
            if (!_links.TryGetValue((from, to), out var conditions))
            {
                Counters.NoRouteDrops++;
                Trace.Add(Now, SimTraceKind.Drop, to, from, null, datagram.Length, hash, SimDropReason.NoRoute);
                return;
            }

            Send(from, to, null, conditions, datagram, hash);
        }
    }

    /// <summary>Draws the fate of one datagram for one receiver. The order of draws is part of the replay contract.</summary>
    private void Send(NodeId from, NodeId to, DomainId? domain, LinkConditions conditions, byte[] datagram, uint hash)
    {
        if (IsPartitioned(from, to))
        {
            Counters.PartitionDrops++;
            Trace.Add(Now, SimTraceKind.Drop, to, from, domain, datagram.Length, hash, SimDropReason.Partition);
            return;
        }

        var recovery = TimeSpan.Zero;
        while (conditions.LossProbability > 0 && _random.NextDouble() < conditions.LossProbability)
        {
            if (conditions.RetransmitAfter is not { } timeout)
            {
                Counters.Lost++;
                Trace.Add(Now, SimTraceKind.Drop, to, from, domain, datagram.Length, hash, SimDropReason.Loss);
                return;
            }

            // A reliable transport under the link (TCP) sends the lost copy again: loss becomes delay.
            Counters.Retransmitted++;
            recovery += timeout;
        }

        var copies = conditions.DuplicationProbability > 0 && _random.NextDouble() < conditions.DuplicationProbability ? 2 : 1;
        for (var copy = 0; copy < copies; copy++)
        {
            var delay = conditions.Delay + recovery + Fraction(conditions.Jitter);
            if (conditions.ReorderProbability > 0 && _random.NextDouble() < conditions.ReorderProbability)
            {
                Counters.Reordered++;
                delay += Fraction(conditions.ReorderDelay);
            }

            if (copy > 0)
            {
                Counters.Duplicated++;
                Trace.Add(Now, SimTraceKind.Duplicate, to, from, domain, datagram.Length, hash);
            }

            Enqueue(Now + delay, Event.Deliver(from, to, domain, datagram));
        }
    }

    /// <summary>A uniform share of <paramref name="span"/>, [0, span); no draw for a zero span.</summary>
    private TimeSpan Fraction(TimeSpan span)
        => span > TimeSpan.Zero ? TimeSpan.FromTicks((long)(span.Ticks * _random.NextDouble())) : TimeSpan.Zero;

    private enum EventKind
    {
        Deliver,
        Timer,
        Action,
    }

    private readonly record struct EventKey(TimeSpan Time, long Order) : IComparable<EventKey>
    {
        public int CompareTo(EventKey other)
        {
            var byTime = Time.CompareTo(other.Time);
            return byTime != 0 ? byTime : Order.CompareTo(other.Order);
        }
    }

    private readonly record struct Event(
        EventKind Kind,
        NodeId From,
        NodeId To,
        DomainId? Domain,
        byte[]? Datagram,
        long TimerGeneration,
        NodeId? ActionNode,
        string? Label,
        Action<TimeSpan>? Run)
    {
        public static Event Deliver(NodeId from, NodeId to, DomainId? domain, byte[] datagram)
            => new(EventKind.Deliver, from, to, domain, datagram, 0, null, null, null);

        public static Event Timer(NodeId node, long generation)
            => new(EventKind.Timer, default, node, null, null, generation, null, null, null);

        public static Event Action(NodeId? node, string label, Action<TimeSpan> run)
            => new(EventKind.Action, default, default, null, null, 0, node, label, run);
    }

    private sealed class NodeState(string name, ISimulatedNode node)
    {
        public string Name { get; } = name;

        public ISimulatedNode Node { get; } = node;

        public TimeSpan? Deadline { get; set; }

        public long TimerGeneration { get; set; }

        public bool Isolated { get; set; }
    }

    private sealed class DomainState(string name, LinkConditions conditions)
    {
        public string Name { get; } = name;

        public LinkConditions Conditions { get; set; } = conditions;

        public List<NodeId> Members { get; } = [];
    }
}
