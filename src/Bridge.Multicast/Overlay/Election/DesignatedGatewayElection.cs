using Bridge.Multicast.Naming;
using Bridge.Multicast.Overlay.Routing;

namespace Bridge.Multicast.Overlay.Election;

/// <summary>A live gateway of the domain as this one sees it.</summary>
/// <param name="Id">The gateway.</param>
/// <param name="Priority">The priority of its last hello.</param>
/// <param name="Ready">Whether its last hello said it competes for groups.</param>
/// <param name="ExpiresAt">When it counts as dead unless another hello comes.</param>
/// <param name="GroupCount">How many groups its last hello listed.</param>
public readonly record struct ElectionPeer(GatewayId Id, byte Priority, bool Ready, TimeSpan ExpiresAt, int GroupCount);

/// <summary>
/// Elects, together with the other gateways of one multicast domain, one designated gateway per
/// group: the one that forwards the group between the domain and the overlay (DESIGN.md §6). One
/// instance per (gateway, domain). No I/O, no clock, no randomness: the driver moves hello bytes
/// and time in and out.
/// </summary>
/// <remarks>
/// <para>How it works. Every gateway multicasts a hello (<see cref="GatewayHello"/>) on the domain
/// every <see cref="ElectionOptions.HelloInterval"/>, and at once when what it says changes or
/// when it hears a gateway it did not know, so newcomers learn each other without waiting an
/// interval. A peer counts alive until the hold time its own last hello announced runs out
/// (as PIM hellos do). For each group it serves, each gateway applies <see cref="DesignationRule"/>
/// to the ready, live gateways that serve the group, itself included once ready, and forwards
/// the group exactly when the rule picks itself. Because every gateway applies the same rule to
/// the same hellos, they agree without further messages once they have heard each other.</para>
/// <para>Startup. After <see cref="Start"/> a gateway listens for
/// <see cref="ElectionOptions.EffectiveStartupWait"/> with the ready flag clear in its hellos:
/// peers count it alive but keep its share of groups. Then it sets the flag, claims the groups it
/// wins, and the peers hand them over when they hear that. The handover is make-before-break:
/// for about one network delay both forward (duplicates are suppressed downstream by (source,
/// sequence)); no group goes unforwarded while the newcomer starts.</para>
/// <para>Methods, as in quinn-proto's <c>Connection</c>:</para>
/// <list type="bullet">
/// <item><description>getters: <see cref="Id"/>, <see cref="IsStarted"/>, <see cref="IsReady"/>, <see cref="ServedGroups"/>, <see cref="DesignatedGroups"/>, <see cref="IsDesignated"/>, <see cref="DesignatedGatewayOf"/>, <see cref="Peers"/>, <see cref="Counters"/>;</description></item>
/// <item><description>commands: <see cref="Start"/> (once), <see cref="Serve"/>, <see cref="StopServing"/>;</description></item>
/// <item><description>input: <see cref="HandleHello"/> for every hello payload received on the domain, <see cref="HandleTimeout"/> when the deadline of <see cref="PollTimeout"/> has come;</description></item>
/// <item><description>output: <see cref="TryPollTransmit"/> (hello payloads to multicast on the domain, in a frame of type Membership), <see cref="TryPollEvent"/>, <see cref="PollTimeout"/>.</description></item>
/// </list>
/// <para>Call order: <see cref="Serve"/> any time; <see cref="Start"/> once before any input;
/// after every command or input the driver drains <see cref="TryPollTransmit"/>, then
/// <see cref="TryPollEvent"/>, then re-arms its one timer from <see cref="PollTimeout"/>.
/// Single-threaded; <c>now</c> is monotonic and never goes back.</para>
/// <para>Invariants:</para>
/// <list type="bullet">
/// <item><description>Once the live gateways of a domain have heard each other's current hellos, exactly one of them is designated for each group that a ready one serves, and every one of them answers <see cref="DesignatedGatewayOf"/> alike.</description></item>
/// <item><description>A gateway whose hellos stop is counted dead by each peer at most its hold time after the last hello that peer received, and at that input the peer that wins the rule for its groups raises <see cref="BecameDesignated"/>: at most hold time plus one hello interval after the failed gateway's last hello, when network delay stays below the interval.</description></item>
/// <item><description><see cref="BecameDesignated"/> and <see cref="StoodDown"/> alternate per group, starting with <see cref="BecameDesignated"/>; <see cref="PeerUp"/> and <see cref="PeerDown"/> alternate per peer.</description></item>
/// <item><description>A peer's bytes never throw: a malformed hello is counted under its <see cref="HelloError"/>, raised as <see cref="HelloRejected"/> and dropped. Misuse (input before <see cref="Start"/>, <see cref="Start"/> twice, a null group) throws.</description></item>
/// <item><description>Memory: one entry per live peer (with its last hello) and per served group. A transmit stays valid after later calls: its bytes are never written again.</description></item>
/// </list>
/// </remarks>
public sealed class DesignatedGatewayElection
{
    private readonly ElectionOptions _options;
    private readonly SortedDictionary<string, ServedGroup> _served = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, Peer> _peers = new(StringComparer.Ordinal);
    private readonly Queue<ElectionEvent> _events = new();
    private readonly TimeSpan?[] _deadlines = new TimeSpan?[(int)Timer.Count];
    private Phase _phase;
    private bool _helloDue;
    private byte[]? _encodedHello;

    /// <summary>An election that serves no group and has not started.</summary>
    /// <exception cref="ArgumentException">A setting of <paramref name="options"/> is out of range.</exception>
    public DesignatedGatewayElection(ElectionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
    }

    /// <summary>The timers, as data: one deadline each in <see cref="_deadlines"/>.</summary>
    private enum Timer
    {
        /// <summary>The next periodic hello.</summary>
        Hello,

        /// <summary>The end of the startup wait.</summary>
        Ready,

        /// <summary>The earliest time a live peer runs out of hold time.</summary>
        PeerExpiry,

        Count,
    }

    private enum Phase
    {
        NotStarted,
        Listening,
        Ready,
    }

    /// <summary>This gateway's id.</summary>
    public GatewayId Id => _options.Id;

    /// <summary>The settings in force.</summary>
    public ElectionOptions Options => _options;

    /// <summary>Whether <see cref="Start"/> was called.</summary>
    public bool IsStarted => _phase != Phase.NotStarted;

    /// <summary>Whether the startup wait is over and this gateway competes for groups.</summary>
    public bool IsReady => _phase == Phase.Ready;

    /// <summary>Hellos sent, received, ignored and rejected by reason; peers expired.</summary>
    public ElectionCounters Counters { get; } = new();

    /// <summary>The groups this gateway serves, in ordinal order of their wire names.</summary>
    public IReadOnlyList<GroupName> ServedGroups => _served.Values.Select(static s => s.Group).ToList();

    /// <summary>The groups this gateway is designated for now, in ordinal order of their wire names.</summary>
    public IReadOnlyList<GroupName> DesignatedGroups => _served.Values.Where(static s => s.Designated).Select(static s => s.Group).ToList();

    /// <summary>The live peers, in ordinal order of their ids.</summary>
    public IReadOnlyList<ElectionPeer> Peers =>
        _peers.Values.Select(static p => new ElectionPeer(p.Id, p.Priority, p.Ready, p.ExpiresAt, p.Groups.Count)).ToList();

    /// <summary>Whether this gateway forwards <paramref name="group"/> now.</summary>
    public bool IsDesignated(GroupName group)
    {
        ArgumentNullException.ThrowIfNull(group);
        return _served.TryGetValue(group.WireName, out var served) && served.Designated;
    }

    /// <summary>
    /// The designated gateway of <paramref name="group"/> as this gateway sees the domain (RFC 7046
    /// designatedHost): the rule applied to the live, ready gateways that serve it, this one
    /// included; null when none does.
    /// </summary>
    public GatewayId? DesignatedGatewayOf(GroupName group)
    {
        ArgumentNullException.ThrowIfNull(group);
        return Winner(group.WireName, DesignationRule.GroupSeed(group), includeSelf: _served.ContainsKey(group.WireName));
    }

    /// <summary>Starts saying hello now; competes for groups after the startup wait.</summary>
    /// <exception cref="InvalidOperationException">Already started.</exception>
    public void Start(TimeSpan now)
    {
        if (IsStarted)
        {
            throw new InvalidOperationException($"The election of {Id} has started already.");
        }

        _helloDue = true;
        _deadlines[(int)Timer.Hello] = now + _options.HelloInterval;
        var wait = _options.EffectiveStartupWait;
        if (wait > TimeSpan.Zero)
        {
            _phase = Phase.Listening;
            _deadlines[(int)Timer.Ready] = now + wait;
        }
        else
        {
            _phase = Phase.Ready;
            _encodedHello = null;
            Reelect();
        }
    }

    /// <summary>Competes for <paramref name="group"/> from now on. Serving it again changes nothing.</summary>
    public void Serve(GroupName group)
    {
        ArgumentNullException.ThrowIfNull(group);
        var served = new ServedGroup(group);
        if (_served.TryAdd(group.WireName, served))
        {
            _encodedHello = null;
            _helloDue |= IsStarted;
            Reelect(served);
        }
    }

    /// <summary>
    /// Stops competing for <paramref name="group"/>; raises <see cref="StoodDown"/> when this
    /// gateway was designated for it. Stopping a group not served changes nothing.
    /// </summary>
    public void StopServing(GroupName group)
    {
        ArgumentNullException.ThrowIfNull(group);
        if (_served.Remove(group.WireName, out var served))
        {
            _encodedHello = null;
            _helloDue |= IsStarted;
            if (served.Designated)
            {
                _events.Enqueue(new StoodDown(served.Group, Winner(group.WireName, served.Seed, includeSelf: false)));
            }
        }
    }

    /// <summary>A hello payload arrived on the domain. Malformed bytes are counted and dropped.</summary>
    /// <exception cref="InvalidOperationException">Not started.</exception>
    public void HandleHello(TimeSpan now, ReadOnlySpan<byte> payload)
    {
        EnsureStarted();

        // Peers repeat the same hello every interval: bytes equal to a peer's last accepted
        // hello say nothing new but that it lives, so they skip decoding and re-election.
        foreach (var known in _peers.Values)
        {
            if (payload.SequenceEqual(known.LastPayload))
            {
                Counters.HellosReceived++;
                known.ExpiresAt = now + known.HoldTime;
                ArmPeerExpiry();
                return;
            }
        }

        if (!GatewayHelloCodec.TryDecode(payload, out var hello, out var error))
        {
            Counters.CountRejected(error);
            _events.Enqueue(new HelloRejected(error, payload.Length));
            return;
        }

        if (hello.Gateway == Id)
        {
            Counters.OwnHellosIgnored++;
            return;
        }

        Counters.HellosReceived++;
        var groups = new HashSet<string>(hello.Groups.Count, StringComparer.Ordinal);
        foreach (var group in hello.Groups)
        {
            groups.Add(group.WireName);
        }

        bool changed;
        if (!_peers.TryGetValue(hello.Gateway.Value, out var peer))
        {
            peer = new Peer(hello.Gateway);
            _peers.Add(hello.Gateway.Value, peer);
            _events.Enqueue(new PeerUp(hello.Gateway));

            // Tell the newcomer about us now rather than up to an interval later.
            _helloDue = true;
            changed = true;
        }
        else
        {
            changed = peer.Priority != hello.Priority || peer.Ready != hello.Ready || !peer.Groups.SetEquals(groups);
        }

        peer.Priority = hello.Priority;
        peer.Ready = hello.Ready;
        peer.Groups = groups;
        peer.HoldTime = hello.HoldTime;
        peer.LastPayload = payload.ToArray();
        peer.ExpiresAt = now + hello.HoldTime;
        if (changed)
        {
            Reelect();
        }

        ArmPeerExpiry();
    }

    /// <summary>The deadline of <see cref="PollTimeout"/> has come: hellos, the end of the startup wait, peers that ran out of hold time.</summary>
    /// <exception cref="InvalidOperationException">Not started.</exception>
    public void HandleTimeout(TimeSpan now)
    {
        EnsureStarted();
        var reelect = false;
        if (_deadlines[(int)Timer.Ready] is { } ready && ready <= now)
        {
            _deadlines[(int)Timer.Ready] = null;
            _phase = Phase.Ready;
            _encodedHello = null;
            _helloDue = true;
            reelect = true;
        }

        if (_deadlines[(int)Timer.Hello] is { } hello && hello <= now)
        {
            _helloDue = true;

            // Keep the cadence; after a late call, restart it from now instead of catching up.
            var next = hello + _options.HelloInterval;
            _deadlines[(int)Timer.Hello] = next > now ? next : now + _options.HelloInterval;
        }

        if (_deadlines[(int)Timer.PeerExpiry] is { } expiry && expiry <= now)
        {
            List<Peer>? dead = null;
            foreach (var peer in _peers.Values)
            {
                if (peer.ExpiresAt <= now)
                {
                    (dead ??= []).Add(peer);
                }
            }

            foreach (var peer in dead ?? [])
            {
                _peers.Remove(peer.Id.Value);
                Counters.PeersExpired++;
                _events.Enqueue(new PeerDown(peer.Id));
                reelect = true;
            }

            ArmPeerExpiry();
        }

        if (reelect)
        {
            Reelect();
        }
    }

    /// <summary>The next hello payload to multicast on the domain; its bytes stay valid and unchanged after later calls.</summary>
    public bool TryPollTransmit(out ReadOnlyMemory<byte> hello)
    {
        if (!_helloDue)
        {
            hello = default;
            return false;
        }

        _helloDue = false;
        Counters.HellosSent++;

        // Most hellos repeat the last one; encode only after a change. The array is never
        // written again once handed out, so sharing it keeps each transmit an owned copy.
        hello = _encodedHello ??= GatewayHelloCodec.Encode(CurrentHello());
        return true;
    }

    /// <summary>The next event for the driver.</summary>
    public bool TryPollEvent(out ElectionEvent e)
    {
        if (_events.TryDequeue(out var next))
        {
            e = next;
            return true;
        }

        e = null!;
        return false;
    }

    /// <summary>When to call <see cref="HandleTimeout"/> next; null before <see cref="Start"/>.</summary>
    public TimeSpan? PollTimeout()
    {
        TimeSpan? earliest = null;
        foreach (var deadline in _deadlines)
        {
            if (deadline is { } d && (earliest is not { } e || d < e))
            {
                earliest = d;
            }
        }

        return earliest;
    }

    /// <summary>The hello this gateway says now.</summary>
    public GatewayHello CurrentHello() => new(
        Id,
        _options.Priority,
        IsReady,
        _options.HelloInterval,
        _options.HoldTime,
        _served.Values.Select(static s => s.Group).ToList());

    private void EnsureStarted()
    {
        if (!IsStarted)
        {
            throw new InvalidOperationException($"Start the election of {Id} before giving it input.");
        }
    }

    private void ArmPeerExpiry()
    {
        TimeSpan? earliest = null;
        foreach (var peer in _peers.Values)
        {
            if (earliest is not { } e || peer.ExpiresAt < e)
            {
                earliest = peer.ExpiresAt;
            }
        }

        _deadlines[(int)Timer.PeerExpiry] = earliest;
    }

    private void Reelect()
    {
        foreach (var served in _served.Values)
        {
            Reelect(served);
        }
    }

    private void Reelect(ServedGroup served)
    {
        var winner = Winner(served.Group.WireName, served.Seed, includeSelf: true);
        var designated = winner == Id;
        if (designated == served.Designated)
        {
            return;
        }

        served.Designated = designated;
        _events.Enqueue(designated ? new BecameDesignated(served.Group) : new StoodDown(served.Group, winner));
    }

    /// <summary>The rule over the live, ready gateways serving the group; this one counts when ready and <paramref name="includeSelf"/>.</summary>
    private GatewayId? Winner(string wireName, ulong seed, bool includeSelf)
    {
        DesignationCandidate? best = includeSelf && IsReady ? new DesignationCandidate(Id, _options.Priority) : null;
        foreach (var peer in _peers.Values)
        {
            if (!peer.Ready || !peer.Groups.Contains(wireName))
            {
                continue;
            }

            var candidate = new DesignationCandidate(peer.Id, peer.Priority);
            if (best is not { } b || DesignationRule.Beats(seed, candidate, b))
            {
                best = candidate;
            }
        }

        return best?.Id;
    }

    private sealed class ServedGroup(GroupName group)
    {
        public GroupName Group { get; } = group;

        public ulong Seed { get; } = DesignationRule.GroupSeed(group);

        public bool Designated { get; set; }
    }

    private sealed class Peer(GatewayId id)
    {
        public GatewayId Id { get; } = id;

        public byte Priority { get; set; }

        public bool Ready { get; set; }

        public HashSet<string> Groups { get; set; } = new(StringComparer.Ordinal);

        public TimeSpan ExpiresAt { get; set; }

        public TimeSpan HoldTime { get; set; }

        public byte[] LastPayload { get; set; } = [];
    }
}
