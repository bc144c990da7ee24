using System.Diagnostics.CodeAnalysis;
using System.Text;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Overlay.Election;
using Bridge.Multicast.Overlay.Gateway.Handover;
using Bridge.Multicast.Overlay.Gateway.Timers;
using Bridge.Multicast.Overlay.Gateway.Upstreams;
using Bridge.Multicast.Overlay.Routing;
using Bridge.Multicast.Wire;

namespace Bridge.Multicast.Overlay.Gateway.Forwarding;

/// <summary>
/// The data path of a gateway: a frame from the domain enters the overlay at the designated
/// gateway of its group, in a Relay frame (docs/wire-format.md §5.1.4) that names the ingress;
/// every transit gateway forwards it to its children on the tree rooted at the ingress and to the
/// leaves that want the group; a gateway designated for the group sends the inner frame, with the
/// Relayed flag, into its domain, where no gateway takes it out again. A leaf sends what its
/// domain publishes to its upstream(s) (<see cref="UpstreamSelection.UpstreamsFor"/>), and the
/// upstream treats it as entering the overlay at itself.
/// </summary>
/// <remarks>
/// <para>
/// Two duplicate filters by (group, source, sequence, fragment): one for what enters this
/// gateway (from the domain or a peer), one for what the domain has had (from this gateway or,
/// with the Relayed flag, from another gateway of the domain). During a handover
/// (<see cref="DesignatedHandover"/>) the outgoing gateway holds its copy for half a hello
/// interval and sends it only if the domain has not had the successor's meanwhile: no gap while
/// the trees move to the successor, and no second copy once they have.
/// </para>
/// <para>
/// Call order: <see cref="HandleDomainFrame"/> for a Data frame from the domain;
/// <see cref="TryReadRelay"/> then, when it succeeds, <see cref="HandleRelay"/> for a Relay frame
/// from a peer (the owner tells <see cref="UpstreamSelection"/> in between);
/// <see cref="HandleTimeout"/> when <see cref="GatewayTimer.HeldDelivery"/> or
/// <see cref="GatewayTimer.SourceSweep"/> has expired. After each, the owner drains
/// <see cref="TryPollTransmit"/> and <see cref="TryPollEvent"/>.
/// </para>
/// <para>
/// Invariants: a frame goes to a peer only while that peer is up and never back to the peer it
/// came from; it goes into the domain at most once per (group, source, sequence, fragment) within
/// the duplicate window, and only for a carried group this gateway is designated for or still
/// covers; the <see cref="GatewayTimer.HeldDelivery"/> slot holds the due time of the oldest held
/// copy (copies are held for the same time, so it is the earliest), or is stopped when none is held;
/// <see cref="GatewayTimer.SourceSweep"/> is always armed. Remembered group names and ingresses are
/// bounded by <see cref="GatewayOptions.MaxSources"/>.
/// </para>
/// </remarks>
internal sealed class GatewayForwarding
{
    private readonly GatewayOptions _options;
    private readonly Dictionary<string, GroupName> _carried;
    private readonly Dictionary<string, GroupName>.AlternateLookup<ReadOnlySpan<char>> _carriedByChars;
    private readonly OverlayPeerTable _peers;
    private readonly ShortestPathTrees? _trees;
    private readonly DesignatedGatewayElection _election;
    private readonly DesignatedHandover _handover;
    private readonly UpstreamSelection? _upstreams;
    private readonly GatewayTimerTable _timers;
    private readonly GatewayCounters _counters;
    private readonly GatewayOutbox _outbox = new();
    private readonly FrameDeduplicator _dedup;
    private readonly FrameDeduplicator _delivered;
    private readonly Queue<HeldDelivery> _held = new();
    private readonly Dictionary<GroupName, HashSet<GatewayId>> _ingressesSeen = [];
    private readonly Dictionary<string, GroupName> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, GroupName>.AlternateLookup<ReadOnlySpan<char>> _namesByChars;

    /// <summary>Forwarding for a transit gateway (<paramref name="trees"/> set) or a leaf (<paramref name="upstreams"/> set).</summary>
    public GatewayForwarding(
        TimeSpan now,
        GatewayOptions options,
        Dictionary<string, GroupName> carried,
        OverlayPeerTable peers,
        ShortestPathTrees? trees,
        DesignatedGatewayElection election,
        DesignatedHandover handover,
        UpstreamSelection? upstreams,
        GatewayTimerTable timers,
        GatewayCounters counters)
    {
        if ((trees is null) == (upstreams is null))
        {
            throw new ArgumentException("A transit gateway forwards along trees, a leaf to its upstreams: give exactly one.", nameof(trees));
        }

        _options = options;
        _carried = carried;
        _carriedByChars = carried.GetAlternateLookup<ReadOnlySpan<char>>();
        _namesByChars = _names.GetAlternateLookup<ReadOnlySpan<char>>();
        _peers = peers;
        _trees = trees;
        _election = election;
        _handover = handover;
        _upstreams = upstreams;
        _timers = timers;
        _counters = counters;
        _dedup = new FrameDeduplicator(options.DuplicateWindow, options.MaxSources, options.FragmentHistory);
        _delivered = new FrameDeduplicator(options.DuplicateWindow, options.MaxSources, options.FragmentHistory);
        _timers.Set(GatewayTimer.SourceSweep, now + options.SourceIdleTime);
    }

    /// <summary>How many (group, source) pairs duplicate suppression remembers now.</summary>
    public int RememberedSources => _dedup.SourceCount;

    /// <summary>How many copies are held back during a handover now.</summary>
    public int HeldCopies => _held.Count;

    /// <summary>How long an outgoing gateway holds a frame during a handover: half a hello interval.</summary>
    private TimeSpan HandoverDelay => _options.HelloInterval / 2;

    private GatewayId Id => _options.Id;

    /// <summary>Where a frame of <paramref name="group"/> that this gateway's domain publishes goes (RFC 7046 childrenSet).</summary>
    public IReadOnlyList<GatewayId> ChildrenOf(GroupName group)
    {
        if (_upstreams is not null)
        {
            return _upstreams.UpstreamsFor(group);
        }

        return [.. _trees!.NextHops(Id, Id, group).Concat(_peers.LeavesWanting(group, except: null)).Distinct().Order()];
    }

    /// <summary>
    /// Where a request of <paramref name="group"/> that entered the overlay at
    /// <paramref name="ingress"/> and came from <paramref name="from"/> goes on: the same peers a
    /// Data frame would go to (the tree's children, and the leaves that want the group), those up
    /// only. A leaf passes requests on to nobody.
    /// </summary>
    public IReadOnlyList<GatewayId> RequestChildren(GatewayId ingress, GroupName group, GatewayId? from)
    {
        if (_trees is null)
        {
            return [];
        }

        var tree = ingress == Id ? _trees.NextHops(Id, Id, group) : _trees.GetPosition(Id, ingress, group).Children;
        return [.. tree.Where(c => c != from && _peers.IsUp(c)).Concat(_peers.LeavesWanting(group, from)).Distinct().Order()];
    }

    /// <summary>Whether a frame of <paramref name="group"/> from the overlay goes into the domain from here now: a carried group this gateway is designated for.</summary>
    public bool DeliversToDomain(GroupName group) => _carried.ContainsKey(group.WireName) && _election.IsDesignated(group);

    /// <summary>Where frames of <paramref name="group"/> reach this gateway from (RFC 7046 parentSet).</summary>
    public IReadOnlyList<GatewayId> ParentsOf(GroupName group)
    {
        if (_upstreams is not null)
        {
            return _upstreams.UpstreamsFor(group);
        }

        if (!_ingressesSeen.TryGetValue(group, out var ingresses))
        {
            return [];
        }

        var parents = new SortedSet<GatewayId>();
        foreach (var ingress in ingresses)
        {
            if (_trees!.GetPosition(Id, ingress, group).Parent is { } parent)
            {
                parents.Add(parent);
            }
        }

        return [.. parents];
    }

    /// <summary>A Data frame from the domain (<paramref name="datagram"/> is its whole encoding). Every outcome is counted.</summary>
    public void HandleDomainFrame(TimeSpan now, in GridCastFrame frame, ReadOnlySpan<byte> datagram)
    {
        if ((frame.Flags & FrameFlags.Relayed) != 0)
        {
            // Delivered into the domain by a gateway (this one, or another of the domain): never
            // taken out again, and remembered so that no gateway here delivers it a second time.
            _counters.NativeRelayedIgnored++;
            _delivered.TryAccept(now, FindKnown(frame.Group.Span, out var known, out _) ? known : Encoding.UTF8.GetString(frame.Group.Span), frame);
            return;
        }

        if (!FindCarried(frame.Group.Span, out var wire, out var group))
        {
            _counters.NativeNotCarried++;
            return;
        }

        if (!_election.IsDesignated(group))
        {
            _counters.NativeStandby++;
            return;
        }

        if (!_dedup.TryAccept(now, wire, frame))
        {
            _counters.NativeDuplicates++;
            return;
        }

        _counters.NativeIngress++;
        if (_upstreams is not null)
        {
            if (_upstreams.ActiveUpstream is { } upstream)
            {
                var relay = RelayCodec.Encode(Id, frame, datagram);
                Send(upstream, relay);
                if (_upstreams.PreviousHolds(group))
                {
                    // Until the preferred upstream is on the trees, the other one still carries the group.
                    Send(_upstreams.ReturningFrom!.Value, relay);
                }
            }
        }
        else
        {
            Forward(Id, group, frame, datagram, _trees!.NextHops(Id, Id, group), from: null);
        }
    }

    /// <summary>
    /// Reads a Relay frame from peer <paramref name="from"/>: false, counted and raised, when it is
    /// malformed or names a group that does not parse.
    /// </summary>
    public bool TryReadRelay(GatewayId from, in GridCastFrame relay, out RelayedFrame relayed)
    {
        relayed = default;
        if (!RelayCodec.TryDecode(relay, out var ingress, out var innerBytes, out var inner, out var error))
        {
            Reject(from, GatewayRejection.MalformedRelay, error);
            return false;
        }

        if (!FindKnown(inner.Group.Span, out var wire, out var group)
            && !TryGetName(wire = Encoding.UTF8.GetString(inner.Group.Span), out group))
        {
            Reject(from, GatewayRejection.RelayGroupInvalid, null);
            return false;
        }

        relayed = new RelayedFrame(ingress, group, wire, inner, innerBytes);
        return true;
    }

    /// <summary>A relay read by <see cref="TryReadRelay"/> from peer <paramref name="from"/> of kind <paramref name="kind"/>.</summary>
    public void HandleRelay(TimeSpan now, GatewayId from, PeerKind kind, in RelayedFrame relayed)
    {
        var group = relayed.Group;
        var inner = relayed.Inner;
        var innerBytes = relayed.InnerBytes.Span;
        if (!_dedup.TryAccept(now, relayed.Wire, inner))
        {
            _counters.RelayDuplicates++;
            return;
        }

        _counters.RelaysReceived++;
        switch (kind)
        {
            case PeerKind.Upstream:
                DeliverToDomain(now, group, inner, innerBytes);
                break;
            case PeerKind.Leaf:
                // What a leaf sends enters the overlay here.
                Forward(Id, group, inner, innerBytes, _trees!.NextHops(Id, Id, group), from);
                DeliverToDomain(now, group, inner, innerBytes);
                break;
            default:
                NoteIngress(group, relayed.Ingress);
                var position = _trees!.GetPosition(Id, relayed.Ingress, group);
                if (position.Parent != from)
                {
                    _counters.RelaysOffTree++;
                }

                Forward(relayed.Ingress, group, inner, innerBytes, position.Children, from);
                DeliverToDomain(now, group, inner, innerBytes);
                break;
        }
    }

    /// <summary>Sends the held copies that are due, and forgets idle sources when the sweep is due.</summary>
    public void HandleTimeout(TimeSpan now)
    {
        if (_timers.IsExpired(GatewayTimer.HeldDelivery, now))
        {
            ReleaseHeld(now);
        }

        if (_timers.IsExpired(GatewayTimer.SourceSweep, now))
        {
            _dedup.Sweep(now - _options.SourceIdleTime);
            _delivered.Sweep(now - _options.SourceIdleTime);
            _timers.Set(GatewayTimer.SourceSweep, now + _options.SourceIdleTime);
        }
    }

    public bool TryPollTransmit(out GatewayTransmit transmit) => _outbox.TryPollTransmit(out transmit);

    public bool TryPollEvent([MaybeNullWhen(false)] out GatewayEvent gatewayEvent) => _outbox.TryPollEvent(out gatewayEvent);

    /// <summary>The earlier of this sub-machine's two timers.</summary>
    public TimeSpan? PollTimeout()
    {
        var sweep = _timers.Get(GatewayTimer.SourceSweep);
        return _timers.Get(GatewayTimer.HeldDelivery) is { } held && (sweep is not { } s || held < s) ? held : sweep;
    }

    /// <summary>
    /// Sends the frame, in one Relay naming <paramref name="ingress"/> and encoded once, to the
    /// tree's <paramref name="children"/> and to the leaves that want the group, never back to
    /// <paramref name="from"/>.
    /// </summary>
    private void Forward(GatewayId ingress, GroupName group, in GridCastFrame inner, ReadOnlySpan<byte> innerBytes, IReadOnlyList<GatewayId> children, GatewayId? from)
    {
        byte[]? relay = null;
        foreach (var child in children)
        {
            if (child != from && _peers.IsUp(child))
            {
                relay ??= RelayCodec.Encode(ingress, inner, innerBytes);
                Send(child, relay);
            }
        }

        foreach (var leaf in _peers.LeavesWanting(group, from))
        {
            relay ??= RelayCodec.Encode(ingress, inner, innerBytes);
            Send(leaf, relay);
        }
    }

    /// <summary>
    /// Sends a frame from the overlay into the domain when this gateway is designated for its
    /// group, unless the domain has had it already; during a handover, holds it first.
    /// </summary>
    private void DeliverToDomain(TimeSpan now, GroupName group, in GridCastFrame inner, ReadOnlySpan<byte> innerBytes)
    {
        if (!_carried.ContainsKey(group.WireName))
        {
            return;
        }

        if (_election.IsDesignated(group))
        {
            if (_delivered.TryAccept(now, group.WireName, inner))
            {
                _counters.DomainDeliveries++;
                _outbox.Send(GatewayTransmit.ToDomain(group, RelayCodec.MarkRelayed(innerBytes)));
            }
            else
            {
                _counters.DomainDuplicates++;
            }
        }
        else if (_handover.Covers(group))
        {
            var due = now + HandoverDelay;
            _held.Enqueue(new HeldDelivery(due, group, RelayCodec.MarkRelayed(innerBytes)));
            if (_held.Count == 1)
            {
                _timers.Set(GatewayTimer.HeldDelivery, due);
            }
        }
    }

    /// <summary>Sends the held copies whose wait is over and that the domain has not had meanwhile.</summary>
    private void ReleaseHeld(TimeSpan now)
    {
        while (_held.TryPeek(out var held) && held.Due <= now)
        {
            _held.Dequeue();
            FrameCodec.TryDecodeDatagram(held.Frame, out var frame, out _);
            if (_delivered.TryAccept(now, held.Group.WireName, frame))
            {
                _counters.DomainDeliveries++;
                _outbox.Send(GatewayTransmit.ToDomain(held.Group, held.Frame));
            }
            else
            {
                _counters.DomainDuplicates++;
            }
        }

        _timers.SetOrStop(GatewayTimer.HeldDelivery, _held.TryPeek(out var next) ? next.Due : null);
    }

    private void Send(GatewayId peer, byte[] frame)
    {
        _counters.RelaysSent++;
        _outbox.Send(GatewayTransmit.ToPeer(peer, frame));
    }

    private void NoteIngress(GroupName group, GatewayId ingress)
    {
        if (!_ingressesSeen.TryGetValue(group, out var set))
        {
            if (_ingressesSeen.Count >= _options.MaxSources)
            {
                _ingressesSeen.Clear();
            }

            set = [];
            _ingressesSeen.Add(group, set);
        }

        set.Add(ingress);
    }

    /// <summary>
    /// A carried group from its name's UTF-8 bytes, with the name as the string the table holds:
    /// the lookup decodes into a stack buffer, so a frame costs no string.
    /// </summary>
    private bool FindCarried(ReadOnlySpan<byte> wireName, [NotNullWhen(true)] out string? wire, [NotNullWhen(true)] out GroupName? group)
    {
        Span<char> chars = stackalloc char[FrameCodec.MaxGroupNameLength];
        var length = Encoding.UTF8.GetChars(wireName, chars);
        return _carriedByChars.TryGetValue(chars[..length], out wire, out group);
    }

    /// <summary>As <see cref="FindCarried"/>, among the carried groups and the names remembered from relays.</summary>
    private bool FindKnown(ReadOnlySpan<byte> wireName, [NotNullWhen(true)] out string? wire, [NotNullWhen(true)] out GroupName? group)
    {
        Span<char> chars = stackalloc char[FrameCodec.MaxGroupNameLength];
        var length = Encoding.UTF8.GetChars(wireName, chars);
        return _carriedByChars.TryGetValue(chars[..length], out wire, out group)
            || _namesByChars.TryGetValue(chars[..length], out wire, out group);
    }

    private bool TryGetName(string wire, [NotNullWhen(true)] out GroupName? group)
    {
        if (_carried.TryGetValue(wire, out group) || _names.TryGetValue(wire, out group))
        {
            return true;
        }

        if (!GroupName.TryParse(wire, out group, out _))
        {
            return false;
        }

        if (_names.Count >= _options.MaxSources)
        {
            _names.Clear();
        }

        _names[wire] = group;
        return true;
    }

    private void Reject(GatewayId from, GatewayRejection reason, Enum? cause)
    {
        _counters.CountRejection(reason);
        _outbox.Raise(new InputRejected(from, reason, cause));
    }

    /// <summary>A copy held during a handover, sent at <paramref name="Due"/> unless the domain has had it.</summary>
    private readonly record struct HeldDelivery(TimeSpan Due, GroupName Group, byte[] Frame);
}

/// <summary>
/// A Relay frame read by <see cref="GatewayForwarding.TryReadRelay"/>: the ingress, the group (and
/// its name as the frame spells it, the key of duplicate suppression), and the carried frame
/// (slices of the relay's payload, valid as long as the relay's bytes).
/// </summary>
internal readonly record struct RelayedFrame(GatewayId Ingress, GroupName Group, string Wire, GridCastFrame Inner, ReadOnlyMemory<byte> InnerBytes);
