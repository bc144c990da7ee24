using System.Diagnostics.CodeAnalysis;
using System.Text;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Overlay.Election;
using Bridge.Multicast.Overlay.Flooding;
using Bridge.Multicast.Overlay.Routing;
using Bridge.Multicast.Wire;

namespace Bridge.Multicast.Overlay.Gateway;

/// <summary>
/// An Inter-domain Multicast Gateway as a sans-IO state machine (DESIGN.md §6): it carries the
/// groups of its domain into the overlay and the overlay's frames into its domain, along
/// source-rooted shortest-path trees, for the groups it is the designated gateway of.
/// </summary>
/// <remarks>
/// <para>
/// It joins four parts: the designated-gateway election of its domain (hellos on the control
/// group), link-state flooding with the other transit gateways (links with their round-trip
/// times, and the groups each gateway wants), the shortest-path trees computed from that
/// database, and duplicate suppression by (group, source, sequence, fragment).
/// </para>
/// <para>
/// A frame from the domain enters the overlay at the designated gateway of its group, the
/// ingress, and travels in a Relay frame (docs/wire-format.md §5.1.4) that names the ingress.
/// Every transit gateway forwards it to its children on the tree rooted at the ingress; a
/// gateway that wants the group sends the inner frame, with the Relayed flag, into its domain,
/// where no gateway takes it out again. A transit gateway advertises a group only when it is the
/// designated gateway of a domain that wants it, or a leaf it serves asks for it, so the trees
/// reach exactly the gateways that deliver.
/// </para>
/// <para>
/// A leaf gateway (a home gateway) has only upstream links: it asks its preferred live upstream
/// for the groups it carries, sends what its domain publishes there, and takes no part in the
/// link-state. The upstream treats what a leaf sends as entering the overlay at itself.
/// </para>
/// <para>
/// When its preferred upstream fails, a leaf turns to the other one at once. When the preferred
/// one comes back, the leaf returns to it make-before-break (<see cref="UpstreamReturnEnded"/>):
/// a gateway that has just started is not yet on the trees, so the leaf asks it for its whole
/// interest but keeps asking the other one for every group the preferred one has not yet
/// delivered a relay of, and meanwhile sends what its domain publishes in such a group to both.
/// A group is confirmed by the first relay of it from the preferred upstream; the other upstream
/// keeps it for <see cref="GatewayOptions.HandoverTime"/> more, as a designated gateway that
/// stood down does, because what was already on its way along the longer path (the new upstream
/// only just joined the trees, and a link may be retransmitting) still arrives there. A group
/// that sees no traffic is never confirmed and is let go after
/// <see cref="GatewayOptions.UpstreamReturnTime"/>. Once the other upstream holds no group it is
/// released (asked for nothing). Copies that arrive from both are dropped by the duplicate
/// suppression, as any other copy.
/// </para>
/// <para>
/// Driver call order (as every state machine here): one input (<see cref="PeerUp"/>,
/// <see cref="PeerDown"/>, <see cref="HandleNativeDatagram"/>, <see cref="HandlePeerFrame"/>,
/// <see cref="HandleTimeout"/>), then <see cref="TryPollTransmit"/> and <see cref="TryPollEvent"/>
/// until false, then <see cref="PollTimeout"/>. <c>now</c> never decreases.
/// </para>
/// </remarks>
public sealed class OverlayGateway
{
    /// <summary>The group name that link-local control frames (link state, a leaf's interest) carry on a link.</summary>
    public static ReadOnlyMemory<byte> LinkGroup { get; } = "link"u8.ToArray();

    private const int MaxQueuedEvents = 1024;

    private readonly GatewayOptions _options;
    private readonly LinkStateFlooding? _flooding;
    private readonly ShortestPathTrees? _trees;
    private readonly DesignatedGatewayElection _election;
    private readonly FrameDeduplicator _dedup;
    private readonly Dictionary<string, GroupName> _carried;
    private readonly byte[] _controlGroupWire;
    private readonly byte[] _membersGroupWire;
    private readonly Dictionary<GatewayId, MemberReport> _members = [];
    private TimeSpan _longestReportHold;
    private readonly Dictionary<GatewayId, PeerKind> _peers = [];
    private readonly Dictionary<GatewayId, HashSet<GroupName>> _leafInterest = [];
    private readonly Dictionary<GroupName, HashSet<GatewayId>> _ingressesSeen = [];
    private readonly Dictionary<string, GroupName> _names = new(StringComparer.Ordinal);
    private readonly Queue<GatewayTransmit> _transmits = new();
    private readonly Queue<GatewayEvent> _events = new();
    private readonly Dictionary<GroupName, Handover> _handovers = [];
    private readonly Queue<HeldDelivery> _held = new();
    private readonly FrameDeduplicator _delivered;
    private GroupName[] _interest = [];
    private GatewayId? _activeUpstream;
    private UpstreamReturn? _return;
    private ulong _controlSequence;
    private TimeSpan _nextSweep;

    /// <summary>A gateway that starts now: it listens to its domain for the election's startup wait before it claims groups.</summary>
    public OverlayGateway(GatewayOptions options, TimeSpan now)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _controlGroupWire = Encoding.UTF8.GetBytes(options.ControlGroup.WireName);
        _membersGroupWire = Encoding.UTF8.GetBytes(options.MembersGroup.WireName);
        _carried = options.Carry.Distinct().ToDictionary(static g => g.WireName, StringComparer.Ordinal);
        _dedup = new FrameDeduplicator(options.DuplicateWindow, options.MaxSources, options.FragmentHistory);
        _delivered = new FrameDeduplicator(options.DuplicateWindow, options.MaxSources, options.FragmentHistory);
        if (options.Role == GatewayRole.Transit)
        {
            _flooding = new LinkStateFlooding(options.Id, now, options.Flooding);
            _trees = new ShortestPathTrees(_flooding.Database);
        }

        _election = new DesignatedGatewayElection(options.ElectionOptions);
        _election.Start(now);
        foreach (var group in _carried.Values)
        {
            _election.Serve(group);
        }

        _nextSweep = now + options.SourceIdleTime;
        Drain(now);
    }

    /// <summary>This gateway's id.</summary>
    public GatewayId Id => _options.Id;

    /// <summary>The options it runs with.</summary>
    public GatewayOptions Options => _options;

    /// <summary>What it has done.</summary>
    public GatewayCounters Counters { get; } = new();

    /// <summary>The designated-gateway election of its domain.</summary>
    public DesignatedGatewayElection Election => _election;

    /// <summary>Link-state flooding; null on a leaf gateway.</summary>
    public LinkStateFlooding? Flooding => _flooding;

    /// <summary>
    /// The groups the driver joins on the domain's interfaces: the control group, to hear the
    /// other gateways, and every carried group, to hear the domain's sources.
    /// </summary>
    public IReadOnlyList<GroupName> NativeGroups => _options.LearnMembers
        ? [_options.ControlGroup, _options.MembersGroup, .. _carried.Values]
        : [_options.ControlGroup, .. _carried.Values];

    /// <summary>The carried groups that reporting members of the domain have joined now (with <see cref="GatewayOptions.LearnMembers"/>).</summary>
    public IReadOnlyList<GroupName> ReportedGroups => [.. _carried.Values.Where(HasReportedMembers)];

    /// <summary>The groups this gateway advertises in the link-state (transit) or asks its upstream for (leaf).</summary>
    public IReadOnlyList<GroupName> Interest => _interest;

    /// <summary>The overlay peers with a link up now (RFC 7046 neighborSet).</summary>
    public IReadOnlyCollection<GatewayId> Neighbors => _peers.Keys;

    /// <summary>The leaf's upstream that it uses now, or null (transit gateways, or no upstream up).</summary>
    public GatewayId? ActiveUpstream => _activeUpstream;

    /// <summary>
    /// While a leaf returns to its preferred upstream: the upstream it came back from, which it
    /// still asks for the groups it has not let go of yet; otherwise null.
    /// </summary>
    public GatewayId? ReturningFrom => _return?.Previous;

    /// <summary>While a leaf returns to its preferred upstream, the groups that upstream has not delivered yet; otherwise empty.</summary>
    public IReadOnlyCollection<GroupName> UnconfirmedGroups => _return is { } r ? [.. r.Unconfirmed] : [];

    /// <summary>The groups this gateway stood down for and still covers until its successor has taken over.</summary>
    public int PendingHandovers => _handovers.Count;

    /// <summary>How many (group, source) pairs duplicate suppression remembers now.</summary>
    public int RememberedSources => _dedup.SourceCount;

    /// <summary>Whether this gateway forwards <paramref name="group"/> for its domain (RFC 7046 designatedHost).</summary>
    public bool IsDesignated(GroupName group) => _election.IsDesignated(group);

    /// <summary>
    /// Where this gateway sends a frame of <paramref name="group"/> that its own domain publishes
    /// (RFC 7046 childrenSet): its children on the tree rooted here, and the leaves that want it.
    /// </summary>
    public IReadOnlyList<GatewayId> ChildrenOf(GroupName group)
    {
        ArgumentNullException.ThrowIfNull(group);
        if (_options.Role == GatewayRole.Leaf)
        {
            return UpstreamsFor(group);
        }

        return [.. _trees!.NextHops(Id, Id, group).Concat(LeavesWanting(group, except: null)).Distinct().Order()];
    }

    /// <summary>
    /// Where frames of <paramref name="group"/> reach this gateway from (RFC 7046 parentSet): its
    /// parent on the tree of each ingress gateway it has had the group from, or the leaf's upstream.
    /// </summary>
    public IReadOnlyList<GatewayId> ParentsOf(GroupName group)
    {
        ArgumentNullException.ThrowIfNull(group);
        if (_options.Role == GatewayRole.Leaf)
        {
            return UpstreamsFor(group);
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

    /// <summary>
    /// An overlay link to <paramref name="peer"/> is up, or its measured cost changed. A transit
    /// gateway's peers are gateways or leaves; a leaf's are its upstreams.
    /// </summary>
    /// <exception cref="ArgumentException">The kind does not fit this gateway's role, or the peer is this gateway.</exception>
    public void PeerUp(TimeSpan now, GatewayId peer, PeerKind kind, uint costMicroseconds)
    {
        GatewayId.ThrowIfDefault(peer, nameof(peer));
        if (peer == Id)
        {
            throw new ArgumentException("A gateway is not its own peer.", nameof(peer));
        }

        var allowed = _options.Role == GatewayRole.Leaf ? kind == PeerKind.Upstream : kind != PeerKind.Upstream;
        if (!allowed)
        {
            throw new ArgumentException($"A {_options.Role} gateway has no {kind} peers.", nameof(kind));
        }

        if (_peers.TryGetValue(peer, out var known) && known != kind)
        {
            PeerDown(now, peer);
        }

        _peers[peer] = kind;
        switch (kind)
        {
            case PeerKind.Gateway:
                _flooding!.NeighborUp(now, peer, Math.Max(1u, costMicroseconds));
                break;
            case PeerKind.Leaf:
                _leafInterest.TryAdd(peer, []);
                break;
            case PeerKind.Upstream:
                ChooseUpstream(now);
                break;
        }

        Drain(now);
    }

    /// <summary>The overlay link to <paramref name="peer"/> is down. A peer not up is ignored.</summary>
    public void PeerDown(TimeSpan now, GatewayId peer)
    {
        if (!_peers.Remove(peer, out var kind))
        {
            return;
        }

        switch (kind)
        {
            case PeerKind.Gateway:
                _flooding!.NeighborDown(now, peer);
                break;
            case PeerKind.Leaf:
                _leafInterest.Remove(peer);
                UpdateInterest(now);
                break;
            case PeerKind.Upstream:
                if (_return?.Previous == peer)
                {
                    EndReturn(now, UpstreamReturnEnd.PreviousDown);
                }

                ChooseUpstream(now);
                break;
        }

        Drain(now);
    }

    /// <summary>A datagram arrived on one of the domain's interfaces. Whatever is wrong with it is counted, never thrown.</summary>
    public void HandleNativeDatagram(TimeSpan now, ReadOnlyMemory<byte> datagram)
    {
        if (!FrameCodec.TryDecodeDatagram(datagram, out var frame, out var error))
        {
            Counters.NativeMalformed++;
            Reject(null, $"malformed frame from the domain: {error}");
            return;
        }

        if (frame.Type == FrameType.Membership && frame.Group.Span.SequenceEqual(_controlGroupWire))
        {
            if (frame.IsFragment)
            {
                Counters.NativeMalformed++;
                Reject(null, "a fragmented election hello");
            }
            else
            {
                _election.HandleHello(now, frame.Payload.Span);
            }

            Drain(now);
            return;
        }

        if (frame.Type == FrameType.Membership && frame.Group.Span.SequenceEqual(_membersGroupWire))
        {
            if (_options.LearnMembers)
            {
                HandleMemberReport(now, frame);
                Drain(now);
            }

            return;
        }

        if (frame.Type != FrameType.Data)
        {
            Counters.NativeUnsupported++;
            return;
        }

        if ((frame.Flags & FrameFlags.Relayed) != 0)
        {
            // Delivered into the domain by a gateway (this one, or another of the domain): never
            // taken out again, and remembered so that no gateway here delivers it a second time.
            Counters.NativeRelayedIgnored++;
            _delivered.TryAccept(now, Encoding.UTF8.GetString(frame.Group.Span), frame);
            return;
        }

        var wire = Encoding.UTF8.GetString(frame.Group.Span);
        if (!_carried.TryGetValue(wire, out var group))
        {
            Counters.NativeNotCarried++;
            return;
        }

        if (!_election.IsDesignated(group))
        {
            Counters.NativeStandby++;
            return;
        }

        if (!_dedup.TryAccept(now, wire, frame))
        {
            Counters.NativeDuplicates++;
            return;
        }

        Counters.NativeIngress++;
        if (_options.Role == GatewayRole.Leaf)
        {
            if (_activeUpstream is { } upstream)
            {
                var relay = RelayCodec.Encode(Id, frame, datagram.Span);
                Send(upstream, relay);
                if (_return is { } returning && returning.Holds(group))
                {
                    // Until the preferred upstream is on the trees, the other one still carries the group.
                    Send(returning.Previous, relay);
                }
            }
        }
        else
        {
            Forward(Id, group, frame, datagram.Span, _trees!.NextHops(Id, Id, group), from: null);
        }

        Drain(now);
    }

    /// <summary>
    /// A frame arrived on the overlay link from <paramref name="from"/> (link heartbeats excepted).
    /// Its memory is only read during this call. Whatever is wrong with it is counted, never thrown.
    /// </summary>
    public void HandlePeerFrame(TimeSpan now, GatewayId from, in GridCastFrame frame)
    {
        if (!_peers.TryGetValue(from, out var kind))
        {
            Counters.UnknownPeer++;
            Reject(from, $"a {frame.Type} frame from {from}, which is not a peer");
            return;
        }

        switch (frame.Type)
        {
            case FrameType.LinkState when kind == PeerKind.Gateway && !frame.IsFragment:
                _flooding!.HandleMessage(now, from, frame.Payload.Span);
                break;
            case FrameType.Membership when kind == PeerKind.Leaf && !frame.IsFragment:
                HandleLeafInterest(now, from, frame.Payload.Span);
                break;
            case FrameType.Relay:
                HandleRelay(now, from, kind, frame);
                break;
            default:
                Counters.PeerRejected++;
                Reject(from, $"a {frame.Type} frame is not expected from a {kind} peer");
                break;
        }

        Drain(now);
    }

    /// <summary>The deadline last returned by <see cref="PollTimeout"/> has passed.</summary>
    public void HandleTimeout(TimeSpan now)
    {
        if (_flooding?.PollTimeout() is { } flooding && flooding <= now)
        {
            _flooding.HandleTimeout(now);
        }

        if (_election.PollTimeout() is { } election && election <= now)
        {
            _election.HandleTimeout(now);
        }

        if (_return is { } returning && returning.NextDeadline <= now)
        {
            ReleaseHeld(now, returning);
        }

        if (_handovers.Values.Any(h => h.Until <= now))
        {
            foreach (var (group, _) in _handovers.Where(h => h.Value.Until <= now).ToList())
            {
                _handovers.Remove(group);
            }

            UpdateInterest(now);
        }

        if (_members.Values.Any(m => m.ExpiresAt <= now))
        {
            foreach (var (member, _) in _members.Where(m => m.Value.ExpiresAt <= now).ToList())
            {
                _members.Remove(member);
            }

            UpdateInterest(now);
        }

        ReleaseHeld(now);
        if (_nextSweep <= now)
        {
            _dedup.Sweep(now - _options.SourceIdleTime);
            _delivered.Sweep(now - _options.SourceIdleTime);
            _nextSweep = now + _options.SourceIdleTime;
        }

        Drain(now);
    }

    /// <summary>The next frame to send.</summary>
    public bool TryPollTransmit(out GatewayTransmit transmit) => _transmits.TryDequeue(out transmit);

    /// <summary>The next event to report.</summary>
    public bool TryPollEvent([MaybeNullWhen(false)] out GatewayEvent gatewayEvent) => _events.TryDequeue(out gatewayEvent);

    /// <summary>When <see cref="HandleTimeout"/> is next due.</summary>
    public TimeSpan? PollTimeout()
    {
        var next = _nextSweep;
        if (_flooding?.PollTimeout() is { } flooding && flooding < next)
        {
            next = flooding;
        }

        if (_election.PollTimeout() is { } election && election < next)
        {
            next = election;
        }

        foreach (var handover in _handovers.Values)
        {
            if (handover.Until < next)
            {
                next = handover.Until;
            }
        }

        if (_return?.NextDeadline is { } returnDeadline && returnDeadline < next)
        {
            next = returnDeadline;
        }

        if (_held.TryPeek(out var held) && held.Due < next)
        {
            next = held.Due;
        }

        foreach (var member in _members.Values)
        {
            if (member.ExpiresAt < next)
            {
                next = member.ExpiresAt;
            }
        }

        return next;
    }

    private void HandleRelay(TimeSpan now, GatewayId from, PeerKind kind, in GridCastFrame relay)
    {
        if (!RelayCodec.TryDecode(relay, out var ingress, out var innerBytes, out var inner, out var error))
        {
            Counters.PeerRejected++;
            Reject(from, $"malformed relay: {error}");
            return;
        }

        var wire = Encoding.UTF8.GetString(inner.Group.Span);
        if (!TryGetName(wire, out var group))
        {
            Counters.PeerRejected++;
            Reject(from, $"relay for a group name that does not parse: '{wire}'");
            return;
        }

        if (kind == PeerKind.Upstream)
        {
            // Before duplicate suppression: a copy the other upstream delivered first still shows
            // that the preferred one delivers the group.
            ConfirmReturn(now, from, group);
        }

        if (!_dedup.TryAccept(now, wire, inner))
        {
            Counters.RelayDuplicates++;
            return;
        }

        Counters.RelaysReceived++;
        switch (kind)
        {
            case PeerKind.Upstream:
                DeliverToDomain(now, group, inner, innerBytes.Span);
                break;
            case PeerKind.Leaf:
                // What a leaf sends enters the overlay here.
                Forward(Id, group, inner, innerBytes.Span, _trees!.NextHops(Id, Id, group), from);
                DeliverToDomain(now, group, inner, innerBytes.Span);
                break;
            default:
                NoteIngress(group, ingress);
                var position = _trees!.GetPosition(Id, ingress, group);
                if (position.Parent != from)
                {
                    Counters.RelaysOffTree++;
                }

                Forward(ingress, group, inner, innerBytes.Span, position.Children, from);
                DeliverToDomain(now, group, inner, innerBytes.Span);
                break;
        }
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
            if (child != from && _peers.ContainsKey(child))
            {
                relay ??= RelayCodec.Encode(ingress, inner, innerBytes);
                Send(child, relay);
            }
        }

        foreach (var leaf in LeavesWanting(group, from))
        {
            relay ??= RelayCodec.Encode(ingress, inner, innerBytes);
            Send(leaf, relay);
        }
    }

    private IEnumerable<GatewayId> LeavesWanting(GroupName group, GatewayId? except)
    {
        foreach (var (leaf, groups) in _leafInterest)
        {
            if (leaf != except && groups.Contains(group))
            {
                yield return leaf;
            }
        }
    }

    /// <summary>
    /// Sends a frame from the overlay into the domain when this gateway is designated for its
    /// group, unless the domain has had it already. During a handover the outgoing gateway holds
    /// its copy for <see cref="HandoverDelay"/> and sends it only if the successor's has not been
    /// heard meanwhile: no gap while the trees move to the successor, and no second copy once
    /// they have.
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
                Counters.DomainDeliveries++;
                _transmits.Enqueue(GatewayTransmit.ToDomain(group, RelayCodec.MarkRelayed(innerBytes)));
            }
            else
            {
                Counters.DomainDuplicates++;
            }
        }
        else if (_handovers.ContainsKey(group))
        {
            _held.Enqueue(new HeldDelivery(now + HandoverDelay, group, RelayCodec.MarkRelayed(innerBytes)));
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
                Counters.DomainDeliveries++;
                _transmits.Enqueue(GatewayTransmit.ToDomain(held.Group, held.Frame));
            }
            else
            {
                Counters.DomainDuplicates++;
            }
        }
    }

    /// <summary>How long an outgoing gateway holds a frame during a handover: half a hello interval.</summary>
    private TimeSpan HandoverDelay => _options.HelloInterval / 2;

    private void Send(GatewayId peer, byte[] frame)
    {
        Counters.RelaysSent++;
        _transmits.Enqueue(GatewayTransmit.ToPeer(peer, frame));
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

    private void HandleLeafInterest(TimeSpan now, GatewayId leaf, ReadOnlySpan<byte> payload)
    {
        if (!GatewayHelloCodec.TryDecode(payload, out var hello, out var error))
        {
            Counters.PeerRejected++;
            Reject(leaf, $"malformed interest: {error}");
            return;
        }

        if (hello.Gateway != leaf)
        {
            Counters.PeerRejected++;
            Reject(leaf, $"interest names gateway {hello.Gateway}, not the peer");
            return;
        }

        _leafInterest[leaf] = [.. hello.Groups];
        UpdateInterest(now);
    }

    /// <summary>
    /// Makes the first live upstream in the order of preference the active one. Failing over (the
    /// active one is down) is immediate; returning from a live upstream to a preferred one that
    /// came back starts an <see cref="UpstreamReturn"/>.
    /// </summary>
    private void ChooseUpstream(TimeSpan now)
    {
        GatewayId? next = null;
        foreach (var upstream in _options.Upstreams)
        {
            if (_peers.ContainsKey(upstream))
            {
                next = upstream;
                break;
            }
        }

        var previous = _activeUpstream;
        if (next == previous)
        {
            return;
        }

        _activeUpstream = next;
        if (_return is { } abandoned)
        {
            // The upstream it was returning to failed: the one it came from still holds the whole
            // interest but the groups already confirmed, and gets it all again below.
            _return = null;
            Enqueue(new UpstreamReturnEnded(abandoned.Previous, previous!.Value, abandoned.Confirmed, abandoned.Unconfirmed.Count(), now - abandoned.Started, UpstreamReturnEnd.PreferredDown));
        }

        if (next is { } chosen)
        {
            SendInterest(chosen, _interest);
            if (previous is { } old && _peers.ContainsKey(old) && _interest.Length > 0)
            {
                // Make-before-break: the old upstream keeps the whole interest for now.
                _return = new UpstreamReturn(old, now, now + _options.UpstreamReturnTime, _interest);
            }
            else if (previous is { } idle && _peers.ContainsKey(idle))
            {
                SendInterest(idle, []);
            }
        }

        Enqueue(new UpstreamChanged(previous, next, KeepsPrevious: _return is not null));
    }

    /// <summary>
    /// A relay of <paramref name="group"/> came from upstream <paramref name="from"/>: during a
    /// return, the first from the preferred upstream confirms the group, which the one the leaf
    /// came back from then keeps for one handover time more.
    /// </summary>
    private void ConfirmReturn(TimeSpan now, GatewayId from, GroupName group)
    {
        if (_return is { } returning && from == _activeUpstream && returning.Confirm(group, now + _options.HandoverTime) && _options.HandoverTime == TimeSpan.Zero)
        {
            ReleaseHeld(now, returning);
        }
    }

    /// <summary>
    /// Lets go of the groups whose time with the upstream the leaf came back from is over: that
    /// upstream is asked for the rest, and when none is left the return ends.
    /// </summary>
    private void ReleaseHeld(TimeSpan now, UpstreamReturn returning)
    {
        if (!returning.Release(now))
        {
            return;
        }

        if (returning.IsEmpty)
        {
            EndReturn(now, returning.TimedOut > 0 ? UpstreamReturnEnd.TimedOut : UpstreamReturnEnd.Confirmed);
        }
        else
        {
            SendInterest(returning.Previous, returning.HeldInOrder());
        }
    }

    /// <summary>Ends the return: the upstream the leaf came back from, when still up, is asked for nothing.</summary>
    private void EndReturn(TimeSpan now, UpstreamReturnEnd how)
    {
        var returning = _return!;
        _return = null;
        if (how != UpstreamReturnEnd.PreviousDown)
        {
            SendInterest(returning.Previous, []);
        }

        var unconfirmed = returning.TimedOut + returning.Unconfirmed.Count();
        Enqueue(new UpstreamReturnEnded(returning.Previous, _activeUpstream!.Value, returning.Confirmed, unconfirmed, now - returning.Started, how));
    }

    /// <summary>A leaf's upstreams for <paramref name="group"/>: the active one, and during a return the previous one while it still holds the group.</summary>
    private GatewayId[] UpstreamsFor(GroupName group)
    {
        if (_activeUpstream is not { } active)
        {
            return [];
        }

        return _return is { } returning && returning.Holds(group) ? [.. new[] { active, returning.Previous }.Order()] : [active];
    }

    private void UpdateInterest(TimeSpan now)
    {
        var next = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var group in _carried.Values)
        {
            if ((_election.IsDesignated(group) && HasReportedMembers(group)) || _handovers.ContainsKey(group))
            {
                next.Add(group.WireName);
            }
        }

        foreach (var groups in _leafInterest.Values)
        {
            foreach (var group in groups)
            {
                next.Add(group.WireName);
            }
        }

        if (next.Count == _interest.Length && _interest.All(g => next.Contains(g.WireName)))
        {
            return;
        }

        var before = _interest.Select(static g => g.WireName).ToHashSet(StringComparer.Ordinal);
        _interest = [.. next.Select(w => TryGetName(w, out var g) ? g : GroupName.Parse(w))];
        Enqueue(new InterestChanged(_interest));
        if (_flooding is not null)
        {
            _flooding.SetGroups(now, _interest);
        }
        else if (_activeUpstream is { } upstream)
        {
            SendInterest(upstream, _interest);
            if (_return is { } returning)
            {
                // Groups newly wanted are not confirmed either; those no longer wanted are not waited for.
                returning.Follow(_interest, _interest.Where(g => !before.Contains(g.WireName)));
                if (returning.IsEmpty)
                {
                    EndReturn(now, returning.TimedOut > 0 ? UpstreamReturnEnd.TimedOut : UpstreamReturnEnd.Confirmed);
                }
                else
                {
                    SendInterest(returning.Previous, returning.HeldInOrder());
                }
            }
        }
    }

    private void SendInterest(GatewayId upstream, IReadOnlyList<GroupName> groups)
    {
        var hello = new GatewayHello(Id, _options.Priority, Ready: true, _options.HelloInterval, _options.HoldTime, groups);
        _transmits.Enqueue(GatewayTransmit.ToPeer(upstream, EncodeControl(FrameType.Membership, LinkGroup, GatewayHelloCodec.Encode(hello))));
    }

    private byte[] EncodeControl(FrameType type, ReadOnlyMemory<byte> group, ReadOnlyMemory<byte> payload)
    {
        var frame = new GridCastFrame
        {
            Type = type,
            Group = group,
            SourceId = _options.SourceId,
            Sequence = ++_controlSequence,
            Payload = payload,
        };
        var bytes = new byte[FrameCodec.GetEncodedSize(frame)];
        FrameCodec.Encode(frame, bytes, bytes.Length);
        return bytes;
    }

    private void Drain(TimeSpan now)
    {
        var interestStale = false;
        while (true)
        {
            var progressed = false;
            if (_flooding is not null)
            {
                while (_flooding.TryPollTransmit(out var flood))
                {
                    progressed = true;
                    _transmits.Enqueue(GatewayTransmit.ToPeer(flood.To, EncodeControl(FrameType.LinkState, LinkGroup, flood.Bytes)));
                }

                while (_flooding.TryPollEvent(out var floodingEvent))
                {
                    progressed = true;
                    switch (floodingEvent)
                    {
                        case DatabaseChanged changed:
                            if (changed.Change.TopologyChanged)
                            {
                                Enqueue(new TopologyChanged(changed.Origin, _flooding.Database.Count));
                            }

                            NoteSuccessorAdvertisement(now, changed.Origin);
                            break;
                        case OriginRefused refused:
                            Reject(refused.From, $"advertisement of {refused.Origin} refused: the database holds {refused.MaxOrigins} origins");
                            break;
                    }
                }
            }

            while (_election.TryPollTransmit(out var hello))
            {
                progressed = true;
                _transmits.Enqueue(GatewayTransmit.ToDomain(_options.ControlGroup, EncodeControl(FrameType.Membership, _controlGroupWire, hello)));
            }

            while (_election.TryPollEvent(out var electionEvent))
            {
                progressed = true;
                switch (electionEvent)
                {
                    case BecameDesignated became:
                        _handovers.Remove(became.Group);
                        interestStale = true;
                        Enqueue(new DesignationChanged(became.Group, true, Id));
                        break;
                    case StoodDown stood:
                        BeginHandover(now, stood.Group, stood.Successor);
                        interestStale = true;
                        Enqueue(new DesignationChanged(stood.Group, false, stood.Successor));
                        break;
                    case Election.PeerUp up:
                        Enqueue(new DomainPeerChanged(up.Peer, true));
                        break;
                    case Election.PeerDown down:
                        Enqueue(new DomainPeerChanged(down.Peer, false));
                        break;
                    case HelloRejected rejected:
                        Counters.NativeMalformed++;
                        Reject(null, $"malformed election hello ({rejected.Length} bytes): {rejected.Reason}");
                        break;
                }
            }

            if (interestStale)
            {
                interestStale = false;
                UpdateInterest(now);
                progressed = true;
            }

            if (!progressed)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Make-before-break: a transit gateway that stands down for a group its successor in the
    /// domain takes over keeps wanting and delivering the group until
    /// <see cref="GatewayOptions.HandoverTime"/> after the successor's own advertisement of it
    /// reached the database (by then the ingress gateways have it too, and the frames they sent
    /// along the old trees have arrived), or until twice the hold time more if it never comes. Meanwhile both gateways may deliver a frame; receivers drop the second copy
    /// by (source, sequence), as they do any duplicate.
    /// </summary>
    private void BeginHandover(TimeSpan now, GroupName group, GatewayId? successor)
    {
        if (_flooding is null || successor is not { } heir || !_carried.ContainsKey(group.WireName) || Advertises(heir, group))
        {
            return;
        }

        // A successor that learns members must first hear a report: it may need a report's hold time.
        var limit = (2 * _options.HoldTime) + _options.HandoverTime + (_options.LearnMembers ? _longestReportHold : TimeSpan.Zero);
        _handovers[group] = new Handover(heir, now + limit, SuccessorSeen: false);
    }

    /// <summary>Shortens the handovers whose successor, <paramref name="origin"/>, now advertises the group, to the handover time from now.</summary>
    private void NoteSuccessorAdvertisement(TimeSpan now, GatewayId origin)
    {
        foreach (var (group, handover) in _handovers.Where(h => h.Value.Successor == origin && !h.Value.SuccessorSeen).ToList())
        {
            if (Advertises(origin, group))
            {
                _handovers[group] = handover with { Until = Min(handover.Until, now + _options.HandoverTime), SuccessorSeen = true };
            }
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    /// <summary>
    /// Whether <paramref name="gateway"/> advertises <paramref name="group"/> and is reachable: a
    /// gateway that died and restarts may still have its old advertisement in the database, which
    /// names the group but whose links its neighbours have dropped.
    /// </summary>
    private bool Advertises(GatewayId gateway, GroupName group)
    {
        var database = _flooding!.Database;
        return database.TryGet(gateway, out var advertisement)
            && advertisement.Groups.Contains(group)
            && advertisement.Links.Any(link => database.IsUsable(gateway, link.Neighbor));
    }

    /// <summary>
    /// A receiver of the domain reported the groups it has joined (the payload of a gateway hello,
    /// wire-format §5.1.2, whose id names the receiver); the report holds for its hold time. A
    /// report replaces the member's previous one, so an empty report is a leave.
    /// </summary>
    private void HandleMemberReport(TimeSpan now, in GridCastFrame frame)
    {
        if (frame.IsFragment)
        {
            Counters.NativeMalformed++;
            Reject(null, "a fragmented member report");
            return;
        }

        if (!GatewayHelloCodec.TryDecode(frame.Payload.Span, out var report, out var error))
        {
            Counters.NativeMalformed++;
            Reject(null, $"malformed member report: {error}");
            return;
        }

        Counters.MemberReports++;
        if (report.Groups.Count == 0)
        {
            _members.Remove(report.Gateway);
        }
        else if (_members.Count < _options.MaxSources || _members.ContainsKey(report.Gateway))
        {
            _members[report.Gateway] = new MemberReport([.. report.Groups], now + report.HoldTime);
            if (report.HoldTime > _longestReportHold)
            {
                _longestReportHold = report.HoldTime;
            }
        }

        UpdateInterest(now);
    }

    /// <summary>Whether the domain wants <paramref name="group"/>: always, unless members are learned, then when a live report names it.</summary>
    private bool HasReportedMembers(GroupName group) =>
        !_options.LearnMembers || _members.Values.Any(m => m.Groups.Contains(group));

    private void Reject(GatewayId? from, string reason) => Enqueue(new InputRejected(from, reason));

    private void Enqueue(GatewayEvent gatewayEvent)
    {
        if (_events.Count >= MaxQueuedEvents)
        {
            _events.Dequeue();
        }

        _events.Enqueue(gatewayEvent);
    }

    /// <summary>A group this gateway stood down for and still delivers until <paramref name="Until"/>; shortened once <paramref name="Successor"/> advertises it.</summary>
    private readonly record struct Handover(GatewayId Successor, TimeSpan Until, bool SuccessorSeen);

    /// <summary>
    /// A leaf's return to its preferred upstream (the active one) from <see cref="Previous"/>,
    /// which is still asked for the groups it holds: each unconfirmed one until
    /// <paramref name="until"/>, each confirmed one until its own release time.
    /// </summary>
    private sealed class UpstreamReturn(GatewayId previous, TimeSpan started, TimeSpan until, IEnumerable<GroupName> groups)
    {
        /// <summary>The groups the previous upstream holds: null while unconfirmed, else when it lets the group go.</summary>
        private readonly Dictionary<GroupName, TimeSpan?> _held = groups.ToDictionary(static g => g, static _ => (TimeSpan?)null);

        public GatewayId Previous { get; } = previous;

        public TimeSpan Started { get; } = started;

        /// <summary>Groups the preferred upstream delivered.</summary>
        public int Confirmed { get; private set; }

        /// <summary>Groups let go unconfirmed when the return time ended.</summary>
        public int TimedOut { get; private set; }

        public bool IsEmpty => _held.Count == 0;

        public IEnumerable<GroupName> Unconfirmed => _held.Where(static h => h.Value is null).Select(static h => h.Key);

        /// <summary>When <see cref="Release"/> next has something to do.</summary>
        public TimeSpan? NextDeadline
        {
            get
            {
                TimeSpan? next = null;
                foreach (var release in _held.Values)
                {
                    var due = release ?? until;
                    next = next is { } earlier && earlier <= due ? earlier : due;
                }

                return next;
            }
        }

        public bool Holds(GroupName group) => _held.ContainsKey(group);

        /// <summary>Confirms <paramref name="group"/> if it waited for it, to be let go at <paramref name="release"/>; whether it did.</summary>
        public bool Confirm(GroupName group, TimeSpan release)
        {
            if (!_held.TryGetValue(group, out var state) || state is not null)
            {
                return false;
            }

            _held[group] = release;
            Confirmed++;
            return true;
        }

        /// <summary>Lets go of every group whose time is over; whether any.</summary>
        public bool Release(TimeSpan now)
        {
            var due = _held.Where(h => (h.Value ?? until) <= now).ToList();
            foreach (var (group, release) in due)
            {
                _held.Remove(group);
                TimedOut += release is null ? 1 : 0;
            }

            return due.Count > 0;
        }

        /// <summary>The interest changed to <paramref name="interest"/>: groups no longer wanted are dropped, <paramref name="added"/> ones wait for confirmation.</summary>
        public void Follow(IReadOnlyCollection<GroupName> interest, IEnumerable<GroupName> added)
        {
            foreach (var group in _held.Keys.Where(g => !interest.Contains(g)).ToList())
            {
                _held.Remove(group);
            }

            foreach (var group in added)
            {
                _held.TryAdd(group, null);
            }
        }

        public GroupName[] HeldInOrder() => [.. _held.Keys.OrderBy(static g => g.WireName, StringComparer.Ordinal)];
    }

    /// <summary>The groups a reporting member of the domain has joined, until <paramref name="ExpiresAt"/>.</summary>
    private readonly record struct MemberReport(HashSet<GroupName> Groups, TimeSpan ExpiresAt);

    /// <summary>A copy held during a handover, sent at <paramref name="Due"/> unless the domain has had it.</summary>
    private readonly record struct HeldDelivery(TimeSpan Due, GroupName Group, byte[] Frame);
}
