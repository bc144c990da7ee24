using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Overlay.Routing;

namespace Bridge.Multicast.Overlay.Flooding;

/// <summary>
/// Reliable flooding of link-state advertisements between gateways (after OSPF, RFC 2328 §13),
/// as a sans-IO state machine: one per gateway, feeding its <see cref="LinkStateDatabase"/>.
/// </summary>
/// <remarks>
/// <para><b>Methods.</b> Getters (<see cref="Self"/>, <see cref="Database"/>, <see cref="Neighbors"/>,
/// <see cref="Counters"/>); input (<see cref="HandleMessage"/>, <see cref="HandleTimeout"/>);
/// commands (<see cref="NeighborUp"/>, <see cref="NeighborDown"/>, <see cref="SetGroups"/>);
/// output (<see cref="TryPollTransmit"/>, <see cref="PollTimeout"/>, <see cref="TryPollEvent"/>).
/// After each input or command the driver drains the transmits and events and re-reads the
/// timeout; <c>now</c> never decreases. Misuse of the API (a default id, cost 0, self as
/// neighbour) throws; anything a peer sends is counted and dropped, never thrown.</para>
/// <para><b>Protocol.</b> The gateway issues its own advertisement (its neighbours with their
/// costs, its groups) at construction, on every command that changes them, and every
/// <see cref="FloodingOptions.RefreshInterval"/>, each time with a higher sequence number; a
/// change less than <see cref="FloodingOptions.MinOriginationInterval"/> after the last issue
/// waits until the interval ends and goes out together with any others made meanwhile. An
/// advertisement newer than the one held is installed, acknowledged to the neighbour it came
/// from and sent to every other neighbour; a duplicate is acknowledged, unless this gateway had
/// sent the same one to that neighbour, which then counts as the acknowledgement both ways; an
/// older one is answered with the newer copy. Every advertisement sent waits for its
/// acknowledgement and is sent again each <see cref="FloodingOptions.RetransmitInterval"/> until
/// it comes, the neighbour goes down, or a newer one replaces it; the wait doubles with each
/// retransmission, up to 16 intervals. A neighbour that comes up is
/// sent the whole database at once; our own advertisement goes with the re-issue that adds the
/// link, at once or when the minimum interval ends.</para>
/// <para><b>Size.</b> The database holds at most <see cref="FloodingOptions.MaxOrigins"/>
/// origins; an advertisement from a further origin is acknowledged (so the neighbour stops
/// sending it) but neither installed nor flooded, counted in
/// <see cref="FloodingCounters.RefusedOverMaxOrigins"/> and raised as <see cref="OriginRefused"/>.</para>
/// <para><b>Ageing.</b> Messages carry the age of the advertisement; each gateway drops an
/// advertisement <see cref="FloodingOptions.MaxAge"/> after its origin issued it unless a newer one
/// came, and for another max age refuses that origin's numbers up to the dropped one (the
/// database forgets removed numbers: see <see cref="LinkStateDatabase.Remove"/>).</para>
/// <para><b>Invariants.</b> At most one unacknowledged advertisement per (neighbour, origin); the
/// gateway's own advertisement is always in the database and never ages out; every advertisement
/// in the database has its encoded bytes and issue time held beside it.</para>
/// <para><b>Timers</b> are data: the retransmit deadline of each pending advertisement, the next
/// refresh, the batched re-issue if one waits, the expiry of each held advertisement and of
/// each remembered removal;
/// <see cref="PollTimeout"/> is the earliest of them.</para>
/// </remarks>
public sealed class LinkStateFlooding
{
    private const int MaxBackoffDoublings = 4;

    private readonly SortedDictionary<GatewayId, Neighbor> _neighbors = [];
    private readonly Dictionary<GatewayId, Held> _held = [];
    private readonly Dictionary<GatewayId, Removed> _removed = [];
    private readonly Queue<(GatewayId To, ReadOnlyMemory<byte> Bytes)> _transmits = new();
    private readonly Queue<FloodingEvent> _events = new();
    private GroupName[] _groups = [];
    private ulong _ownSequence;
    private TimeSpan _nextRefresh;
    private TimeSpan _lastOrigination;
    private TimeSpan? _originationDue;

    /// <summary>
    /// The flooding of gateway <paramref name="self"/>, which issues its first advertisement at
    /// <paramref name="now"/> with number <paramref name="firstSequence"/>. A restarting gateway
    /// passes a number above those it used before (see <see cref="LinkStateAdvertisement"/>); if
    /// it does not, its peers' copies of its old advertisement make it jump above them.
    /// </summary>
    public LinkStateFlooding(GatewayId self, TimeSpan now, FloodingOptions? options = null, ulong firstSequence = 1)
    {
        Self = GatewayId.ThrowIfDefault(self, nameof(self));
        Options = options ?? new FloodingOptions();
        Options.Validate();
        ArgumentOutOfRangeException.ThrowIfZero(firstSequence);
        _ownSequence = firstSequence - 1;
        Originate(now);
    }

    /// <summary>This gateway.</summary>
    public GatewayId Self { get; }

    /// <summary>The timers.</summary>
    public FloodingOptions Options { get; }

    /// <summary>The advertisements held; read it, but change it only through this class.</summary>
    public LinkStateDatabase Database { get; } = new();

    /// <summary>What was sent and dropped.</summary>
    public FloodingCounters Counters { get; } = new();

    /// <summary>The neighbours that are up, sorted by id.</summary>
    public IReadOnlyCollection<GatewayId> Neighbors => _neighbors.Keys;

    /// <summary>The number of this gateway's current advertisement.</summary>
    public ulong OwnSequence => _ownSequence;

    /// <summary>How many advertisements wait for an acknowledgement, over all neighbours.</summary>
    public int PendingCount => _neighbors.Values.Sum(static n => n.Pending.Count);

    /// <summary>The overlay link to <paramref name="neighbor"/> is up with the measured cost; sends it the database.</summary>
    public void NeighborUp(TimeSpan now, GatewayId neighbor, uint costMicroseconds)
    {
        GatewayId.ThrowIfDefault(neighbor, nameof(neighbor));
        if (neighbor == Self)
        {
            throw new ArgumentException("A gateway is not its own neighbour.", nameof(neighbor));
        }

        ArgumentOutOfRangeException.ThrowIfZero(costMicroseconds);
        if (_neighbors.TryGetValue(neighbor, out var known))
        {
            if (known.Cost != costMicroseconds)
            {
                known.Cost = costMicroseconds;
                RequestOrigination(now);
            }

            return;
        }

        _neighbors.Add(neighbor, new Neighbor(costMicroseconds));
        // Our own advertisement reaches the new neighbour with the issue, now or when the minimum
        // interval ends; the copy held already lacks this link, and sending it would only flood
        // a stale copy ahead of the batched one.
        RequestOrigination(now);
        foreach (var origin in _held.Keys.Where(o => o != Self).Order().ToList())
        {
            Send(now, neighbor, origin, retransmission: false);
        }
    }

    /// <summary>The overlay link to <paramref name="neighbor"/> is down; what waited for its acknowledgement is dropped.</summary>
    public void NeighborDown(TimeSpan now, GatewayId neighbor)
    {
        if (_neighbors.Remove(neighbor))
        {
            RequestOrigination(now);
        }
    }

    /// <summary>The groups this gateway's domain has members for; re-issues the advertisement when they change.</summary>
    public void SetGroups(TimeSpan now, IEnumerable<GroupName> groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        var next = groups.Distinct().ToArray();
        if (next.Any(static g => g is null))
        {
            throw new ArgumentException("A group is null.", nameof(groups));
        }

        if (next.Length == _groups.Length && next.All(_groups.Contains))
        {
            return;
        }

        _groups = next;
        RequestOrigination(now);
    }

    /// <summary>A flooding message arrived from <paramref name="from"/>; garbage is counted and dropped.</summary>
    public void HandleMessage(TimeSpan now, GatewayId from, ReadOnlySpan<byte> bytes)
    {
        if (!_neighbors.TryGetValue(from, out var neighbor))
        {
            Counters.FromNonNeighbor++;
            return;
        }

        if (!FloodingMessageCodec.TryDecode(bytes, out var message, out var error))
        {
            Counters.CountMalformed(error);
            return;
        }

        if (message.Kind == FloodingMessageKind.Ack)
        {
            if (neighbor.Pending.TryGetValue(message.Origin, out var pending) && pending.Sequence <= message.Sequence)
            {
                neighbor.Pending.Remove(message.Origin);
            }

            return;
        }

        // The advertisement bytes are the message minus kind and age (FloodingMessageCodec).
        HandleAdvertisement(now, from, neighbor, message.Advertisement!, message.AgeMilliseconds, bytes[5..]);
    }

    /// <summary>The deadline of <see cref="PollTimeout"/> has passed: expire, refresh, retransmit.</summary>
    public void HandleTimeout(TimeSpan now)
    {
        foreach (var (origin, held) in _held.Where(h => h.Key != Self && h.Value.BornAt + Options.MaxAge <= now).ToList())
        {
            _held.Remove(origin);
            _removed[origin] = new Removed(held.Sequence, now + Options.MaxAge);
            foreach (var neighbor in _neighbors.Values)
            {
                neighbor.Pending.Remove(origin);
            }

            _events.Enqueue(new DatabaseChanged(origin, Database.Remove(origin)));
        }

        foreach (var origin in _removed.Where(r => r.Value.ForgetAt <= now).Select(r => r.Key).ToList())
        {
            _removed.Remove(origin);
        }

        if (now >= _nextRefresh || _originationDue <= now)
        {
            Originate(now);
        }

        foreach (var (id, neighbor) in _neighbors)
        {
            foreach (var origin in neighbor.Pending.Where(p => p.Value.Due <= now).Select(p => p.Key).Order().ToList())
            {
                Send(now, id, origin, retransmission: true);
            }
        }
    }

    /// <summary>The next message to send, and the neighbour to send it to.</summary>
    public bool TryPollTransmit(out (GatewayId To, ReadOnlyMemory<byte> Bytes) transmit) => _transmits.TryDequeue(out transmit);

    /// <summary>The next event for the owner.</summary>
    public bool TryPollEvent([MaybeNullWhen(false)] out FloodingEvent floodingEvent) => _events.TryDequeue(out floodingEvent);

    /// <summary>When <see cref="HandleTimeout"/> is next due; there is always a refresh ahead.</summary>
    public TimeSpan? PollTimeout()
    {
        var earliest = _originationDue < _nextRefresh ? _originationDue.Value : _nextRefresh;
        foreach (var neighbor in _neighbors.Values)
        {
            foreach (var pending in neighbor.Pending.Values)
            {
                earliest = pending.Due < earliest ? pending.Due : earliest;
            }
        }

        foreach (var (origin, held) in _held)
        {
            var expiry = held.BornAt + Options.MaxAge;
            earliest = origin != Self && expiry < earliest ? expiry : earliest;
        }

        foreach (var removed in _removed.Values)
        {
            earliest = removed.ForgetAt < earliest ? removed.ForgetAt : earliest;
        }

        return earliest;
    }

    private void HandleAdvertisement(TimeSpan now, GatewayId from, Neighbor neighbor, LinkStateAdvertisement advertisement, uint ageMilliseconds, ReadOnlySpan<byte> encoded)
    {
        var origin = advertisement.Origin;
        var sequence = advertisement.Sequence;
        if (Database.TryGet(origin, out var held))
        {
            if (sequence < held.Sequence)
            {
                Send(now, from, origin, retransmission: false); // teach the sender the newer copy
                return;
            }

            if (sequence == held.Sequence)
            {
                if (neighbor.Pending.TryGetValue(origin, out var pending) && pending.Sequence == sequence)
                {
                    neighbor.Pending.Remove(origin); // we sent it the same: each copy acknowledges the other
                }
                else
                {
                    SendAck(from, origin, sequence);
                }

                return;
            }
        }

        if (origin == Self)
        {
            // A copy of ours from before a restart, numbered above the current one: jump past it.
            SendAck(from, origin, sequence);
            _ownSequence = sequence;
            Originate(now);
            return;
        }

        var age = TimeSpan.FromMilliseconds(ageMilliseconds);
        if (age >= Options.MaxAge || (_removed.TryGetValue(origin, out var removed) && sequence <= removed.Sequence))
        {
            Counters.Expired++;
            SendAck(from, origin, sequence); // so the neighbour stops sending it; it ages out there too
            return;
        }

        if (!_held.ContainsKey(origin) && _held.Count >= Options.MaxOrigins)
        {
            Counters.RefusedOverMaxOrigins++;
            _events.Enqueue(new OriginRefused(origin, from, Options.MaxOrigins));
            SendAck(from, origin, sequence); // so the neighbour stops sending it; we cannot take it
            return;
        }

        _removed.Remove(origin);
        _held[origin] = new Held(sequence, encoded.ToArray(), now - age);
        var change = Database.Install(advertisement);
        _events.Enqueue(new DatabaseChanged(origin, change));
        neighbor.Pending.Remove(origin);
        SendAck(from, origin, sequence);
        foreach (var other in _neighbors.Keys)
        {
            if (other != from)
            {
                Send(now, other, origin, retransmission: false);
            }
        }
    }

    /// <summary>
    /// Issues our advertisement now, or, within the minimum interval of the last issue, once the
    /// interval ends (RFC 2328 §12.4).
    /// </summary>
    private void RequestOrigination(TimeSpan now)
    {
        var earliest = _lastOrigination + Options.MinOriginationInterval;
        if (now >= earliest && _originationDue is null)
        {
            Originate(now);
            return;
        }

        _originationDue ??= earliest;
    }

    private void Originate(TimeSpan now)
    {
        // Saturates rather than wraps: a wrapped number would be older than every copy held.
        // Honest numbers last for ages (see LinkStateAdvertisement); only a peer that forged a
        // copy of ours numbered near the top could get here.
        _ownSequence = _ownSequence == ulong.MaxValue ? ulong.MaxValue : _ownSequence + 1;
        var links = _neighbors.Select(static n => new AdvertisedLink(n.Key, n.Value.Cost));
        var advertisement = new LinkStateAdvertisement(Self, _ownSequence, links, _groups);
        var encoded = new ArrayBufferWriter<byte>();
        LinkStateAdvertisementCodec.Encode(advertisement, encoded);
        _held[Self] = new Held(_ownSequence, encoded.WrittenSpan.ToArray(), now);
        _events.Enqueue(new DatabaseChanged(Self, Database.Install(advertisement)));
        _nextRefresh = now + Options.RefreshInterval;
        _lastOrigination = now;
        _originationDue = null; // this issue carries every change that waited
        foreach (var neighbor in _neighbors.Keys)
        {
            Send(now, neighbor, Self, retransmission: false);
        }
    }

    /// <summary>Sends the held advertisement of <paramref name="origin"/> to <paramref name="to"/> and waits for its acknowledgement.</summary>
    private void Send(TimeSpan now, GatewayId to, GatewayId origin, bool retransmission)
    {
        var neighbor = _neighbors[to];
        if (!_held.TryGetValue(origin, out var held))
        {
            neighbor.Pending.Remove(origin);
            return;
        }

        var age = now - held.BornAt;
        var ageMilliseconds = age <= TimeSpan.Zero ? 0u : (uint)Math.Min(uint.MaxValue, (ulong)age.TotalMilliseconds);
        var message = new ArrayBufferWriter<byte>(5 + held.Encoded.Length);
        FloodingMessageCodec.EncodeAdvertisement(held.Encoded, ageMilliseconds, message);
        _transmits.Enqueue((to, message.WrittenMemory));
        // Back off while a neighbour stays silent (up to 16 intervals), so that one whose link
        // died unnoticed is not sent the database every interval until its driver says so.
        var attempts = retransmission && neighbor.Pending.TryGetValue(origin, out var before) && before.Sequence == held.Sequence
            ? Math.Min(before.Attempts + 1, MaxBackoffDoublings)
            : 0;
        neighbor.Pending[origin] = new Pending(held.Sequence, now + (Options.RetransmitInterval * (1 << attempts)), attempts);
        Counters.AdvertisementsSent++;
        if (retransmission)
        {
            Counters.Retransmissions++;
        }
    }

    private void SendAck(GatewayId to, GatewayId origin, ulong sequence)
    {
        var message = new ArrayBufferWriter<byte>(16);
        FloodingMessageCodec.EncodeAck(origin, sequence, message);
        _transmits.Enqueue((to, message.WrittenMemory));
        Counters.AcksSent++;
    }

    private sealed class Neighbor(uint cost)
    {
        public uint Cost { get; set; } = cost;

        /// <summary>Per origin, the advertisement sent and not yet acknowledged, and when to send it again.</summary>
        public Dictionary<GatewayId, Pending> Pending { get; } = [];
    }

    /// <param name="Sequence">The number sent.</param>
    /// <param name="Due">When to send it again.</param>
    /// <param name="Attempts">How often it was sent again already, which doubles the wait each time up to a cap.</param>
    private readonly record struct Pending(ulong Sequence, TimeSpan Due, int Attempts);

    /// <summary>An advertisement in the database: its bytes as flooded and when its origin issued it.</summary>
    private readonly record struct Held(ulong Sequence, byte[] Encoded, TimeSpan BornAt);

    /// <summary>A removed advertisement's number, refused until <see cref="ForgetAt"/>.</summary>
    private readonly record struct Removed(ulong Sequence, TimeSpan ForgetAt);
}
