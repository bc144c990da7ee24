using System.Diagnostics.CodeAnalysis;
using System.Text;
using Bridge.Multicast.Aggregation;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Overlay.Control;
using Bridge.Multicast.Overlay.Election;
using Bridge.Multicast.Overlay.Flooding;
using Bridge.Multicast.Overlay.Gateway.Aggregation;
using Bridge.Multicast.Overlay.Gateway.Forwarding;
using Bridge.Multicast.Overlay.Gateway.Handover;
using Bridge.Multicast.Overlay.Gateway.Membership;
using Bridge.Multicast.Overlay.Gateway.Timers;
using Bridge.Multicast.Overlay.Gateway.Upstreams;
using Bridge.Multicast.Overlay.Routing;
using Bridge.Multicast.Security.ControlPlane;
using Bridge.Multicast.Wire;

namespace Bridge.Multicast.Overlay.Gateway;

/// <summary>
/// An Inter-domain Multicast Gateway as a sans-IO state machine (DESIGN.md §6): it carries the
/// groups of its domain into the overlay and the overlay's frames into its domain, along
/// source-rooted shortest-path trees, for the groups it is the designated gateway of.
/// </summary>
/// <remarks>
/// <para>
/// It is a thin composition of sub-machines, each with the <c>Handle*</c> / <c>TryPoll*</c> /
/// <c>PollTimeout</c> surface of <see cref="DesignatedGatewayElection"/>:
/// </para>
/// <list type="bullet">
/// <item><description>the election of the designated gateway per group in the domain (hellos on the control group);</description></item>
/// <item><description>link-state flooding with the other transit gateways and the shortest-path trees computed from its database (transit only);</description></item>
/// <item><description><see cref="GatewayForwarding"/>: the data path, duplicate suppression and the copies held during a handover;</description></item>
/// <item><description><see cref="UpstreamSelection"/>: a leaf's upstream, failover and the make-before-break return to the preferred one (leaf only);</description></item>
/// <item><description><see cref="DomainMembership"/>: the groups the domain's receivers report (with <see cref="GatewayOptions.LearnMembers"/>);</description></item>
/// <item><description><see cref="DesignatedHandover"/>: make-before-break when this gateway stands down for a group (transit only);</description></item>
/// <item><description><see cref="GatewayAggregation"/>: the reverse channel, requests down the trees and partial aggregates back up (docs/aggregation.md).</description></item>
/// </list>
/// <para>
/// This class classifies each input and hands it to its sub-machine, turns the election's and the
/// flooding's output into frames and events, and recomputes what the gateway wants (its
/// <see cref="Interest"/>) when a sub-machine says it may have changed. A transit gateway
/// advertises a group only when it is the designated gateway of a domain that wants it, still
/// covers it in a handover, or a leaf it serves asks for it, so the trees reach exactly the
/// gateways that deliver; a leaf asks its upstream for the same.
/// </para>
/// <para>
/// Timers are data: one <see cref="GatewayTimerTable"/> with a slot per <see cref="GatewayTimer"/>,
/// shared by the sub-machines, each of which keeps its own slots at its earliest deadline (the
/// election's and the flooding's next deadlines are copied into theirs after every input).
/// <see cref="PollTimeout"/> is the table's earliest slot, and <see cref="HandleTimeout"/> hands
/// every expired slot to its owner, in the order of the enum.
/// </para>
/// <para>
/// Driver call order (as every state machine here): one input (<see cref="PeerUp"/>,
/// <see cref="PeerDown"/>, <see cref="HandleNativeDatagram(TimeSpan, DateTimeOffset, ReadOnlyMemory{byte})"/>, <see cref="HandlePeerFrame"/>,
/// <see cref="HandleTimeout"/>), then <see cref="TryPollTransmit"/> and <see cref="TryPollEvent"/>
/// until false, then <see cref="PollTimeout"/>. <c>now</c> never decreases. Inside, every call to
/// a sub-machine is followed by moving its output here, so frames and events leave in the order
/// they were made.
/// </para>
/// <para>
/// Invariants: nothing a peer or the domain sends throws; each refusal is counted under its
/// <see cref="GatewayRejection"/> and raised as <see cref="InputRejected"/>. Misuse of the API (a
/// peer kind that does not fit the role, this gateway as its own peer) throws.
/// <see cref="PollTimeout"/> is never null: the sweep of idle sources is always armed.
/// </para>
/// </remarks>
public sealed class OverlayGateway
{
    private readonly GatewayOptions _options;
    private readonly LinkStateFlooding? _flooding;
    private readonly DesignatedGatewayElection _election;
    private readonly Dictionary<string, GroupName> _carried;
    private readonly byte[] _controlGroupWire;
    private readonly byte[] _membersGroupWire;
    private readonly GatewayTimerTable _timers = new();
    private readonly GatewayOutbox _outbox = new();
    private readonly OverlayPeerTable _peers = new();
    private readonly ControlFrameEncoder _control;
    private readonly ControlFrameAuthenticator? _domainKeys;
    private readonly ControlFrameAuthenticator? _overlayKeys;
    private readonly DomainMembership _membership;
    private readonly DesignatedHandover _handover;
    private readonly UpstreamSelection? _upstreams;
    private readonly GatewayForwarding _forwarding;
    private readonly GatewayAggregation _aggregation;
    private readonly Dictionary<string, Bridge.Multicast.Security.GroupProtection> _protected = new(StringComparer.Ordinal);
    private DateTimeOffset? _utcNow;
    private GroupName[] _interest = [];

    /// <summary>A gateway that starts now: it listens to its domain for the election's startup wait before it claims groups.</summary>
    public OverlayGateway(GatewayOptions options, TimeSpan now)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _controlGroupWire = Encoding.UTF8.GetBytes(options.ControlGroup.WireName);
        _membersGroupWire = Encoding.UTF8.GetBytes(options.MembersGroup.WireName);
        _carried = options.Carry.Distinct().ToDictionary(static g => g.WireName, StringComparer.Ordinal);
        _domainKeys = options.ControlKeys?.ForDomain();
        _overlayKeys = options.ControlKeys?.ForOverlay();
        _control = new ControlFrameEncoder(options.SourceId, _domainKeys, _overlayKeys);
        ShortestPathTrees? trees = null;
        if (options.Role == GatewayRole.Transit)
        {
            _flooding = new LinkStateFlooding(options.Id, now, options.Flooding);
            trees = new ShortestPathTrees(_flooding.Database);
        }
        else
        {
            _upstreams = new UpstreamSelection(options, _peers, _control, _timers);
        }

        _election = new DesignatedGatewayElection(options.ElectionOptions);
        _membership = new DomainMembership(options, _timers, Counters);
        _handover = new DesignatedHandover(options, _carried, _flooding, _membership, _timers);
        _forwarding = new GatewayForwarding(now, options, _carried, _peers, trees, _election, _handover, _upstreams, _timers, Counters);
        _aggregation = new GatewayAggregation(options, _timers, Counters, _control);
        _election.Start(now);
        foreach (var group in _carried.Values)
        {
            _election.Serve(group);
        }

        Drain(now);
    }

    /// <summary>The group name that link-local control frames (link state, a leaf's interest) carry on a link.</summary>
    public static ReadOnlyMemory<byte> LinkGroup { get; } = "link"u8.ToArray();

    /// <summary>This gateway's id.</summary>
    public GatewayId Id => _options.Id;

    /// <summary>The options it runs with.</summary>
    public GatewayOptions Options => _options;

    /// <summary>What it has done.</summary>
    public GatewayCounters Counters { get; } = new();

    /// <summary>What the domain key's checks have done; null without a domain key (an unauthenticated domain side).</summary>
    public ControlPlaneCounters? DomainControl => _domainKeys?.Counters;

    /// <summary>What the overlay key's checks have done; null without an overlay key.</summary>
    public ControlPlaneCounters? OverlayControl => _overlayKeys?.Counters;

    /// <summary>What its aggregator has done: requests held, replies absorbed, partials received and sent, drops by reason.</summary>
    public AggregationCounters Aggregation => _aggregation.Counters;

    /// <summary>Requests its aggregator holds now, finished ones still lingering included.</summary>
    public int AggregationRequests => _aggregation.RequestCount;

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
    public IReadOnlyList<GroupName> ReportedGroups => [.. _carried.Values.Where(_membership.HasReportedMembers)];

    /// <summary>The groups this gateway advertises in the link-state (transit) or asks its upstream for (leaf).</summary>
    public IReadOnlyList<GroupName> Interest => _interest;

    /// <summary>The overlay peers with a link up now (RFC 7046 neighborSet).</summary>
    public IReadOnlyCollection<GatewayId> Neighbors => _peers.Ids;

    /// <summary>The leaf's upstream that it uses now, or null (transit gateways, or no upstream up).</summary>
    public GatewayId? ActiveUpstream => _upstreams?.ActiveUpstream;

    /// <summary>
    /// While a leaf returns to its preferred upstream: the upstream it came back from, which it
    /// still asks for the groups it has not let go of yet; otherwise null.
    /// </summary>
    public GatewayId? ReturningFrom => _upstreams?.ReturningFrom;

    /// <summary>While a leaf returns to its preferred upstream, the groups that upstream has not delivered yet; otherwise empty.</summary>
    public IReadOnlyCollection<GroupName> UnconfirmedGroups => _upstreams?.UnconfirmedGroups ?? [];

    /// <summary>The groups this gateway stood down for and still covers until its successor has taken over.</summary>
    public int PendingHandovers => _handover.Count;

    /// <summary>How many (group, source) pairs duplicate suppression remembers now.</summary>
    public int RememberedSources => _forwarding.RememberedSources;

    /// <summary>Whether this gateway forwards <paramref name="group"/> for its domain (RFC 7046 designatedHost).</summary>
    public bool IsDesignated(GroupName group) => _election.IsDesignated(group);

    /// <summary>
    /// Where this gateway sends a frame of <paramref name="group"/> that its own domain publishes
    /// (RFC 7046 childrenSet): its children on the tree rooted here, and the leaves that want it.
    /// </summary>
    public IReadOnlyList<GatewayId> ChildrenOf(GroupName group)
    {
        ArgumentNullException.ThrowIfNull(group);
        return _forwarding.ChildrenOf(group);
    }

    /// <summary>
    /// Where frames of <paramref name="group"/> reach this gateway from (RFC 7046 parentSet): its
    /// parent on the tree of each ingress gateway it has had the group from, or the leaf's upstream.
    /// </summary>
    public IReadOnlyList<GatewayId> ParentsOf(GroupName group)
    {
        ArgumentNullException.ThrowIfNull(group);
        return _forwarding.ParentsOf(group);
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

        if (_peers.TryGetKind(peer, out var known) && known != kind)
        {
            PeerDown(now, peer);
        }

        _peers.Add(peer, kind);
        switch (kind)
        {
            case PeerKind.Gateway:
                _flooding!.NeighborUp(now, peer, Math.Max(1u, costMicroseconds));
                break;
            case PeerKind.Upstream:
                _upstreams!.HandleUpstreamUp(now);
                Collect();
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
                UpdateInterest(now);
                break;
            case PeerKind.Upstream:
                _upstreams!.HandleUpstreamDown(now, peer);
                Collect();
                break;
        }

        // A child's subtree is missing from every request waiting for it, at once, not at the deadline.
        _aggregation.HandlePeerLost(now, peer);
        Collect();
        Drain(now);
    }

    /// <summary>
    /// Verifies, with <paramref name="protection"/>, every Data frame of <paramref name="group"/>
    /// that the domain offers this gateway, before it enters the overlay: a frame whose tag does
    /// not verify, whose key is out of its validity or that is a replay is refused and counted
    /// (<see cref="Security"/>, <see cref="SecuredFrameRefused"/>). A gateway that
    /// is not given a group's keys relays its frames as they are: the tags are end to end. Null
    /// stops verifying. The frames themselves are never changed.
    /// </summary>
    public void Protect(GroupName group, Bridge.Multicast.Security.GroupProtection? protection)
    {
        ArgumentNullException.ThrowIfNull(group);
        if (protection is null)
        {
            _protected.Remove(group.WireName);
        }
        else
        {
            _protected[group.WireName] = protection;
        }
    }

    /// <summary>
    /// Secured groups' frames from the domain verified before entering the overlay, and those
    /// refused by reason. Apart from <see cref="Counters"/>, whose properties are all plain counts;
    /// readable from any thread.
    /// </summary>
    public Bridge.Multicast.Security.SecurityCounters Security { get; } = new();

    /// <summary>
    /// A datagram arrived on one of the domain's interfaces, at wall-clock time
    /// <paramref name="utcNow"/>, which the checks of secured groups (<see cref="Protect"/>) need.
    /// </summary>
    public void HandleNativeDatagram(TimeSpan now, DateTimeOffset utcNow, ReadOnlyMemory<byte> datagram)
    {
        _utcNow = utcNow;
        HandleNativeDatagram(now, datagram);
    }

    /// <summary>A datagram arrived on one of the domain's interfaces. Whatever is wrong with it is counted, never thrown.</summary>
    public void HandleNativeDatagram(TimeSpan now, ReadOnlyMemory<byte> datagram)
    {
        if (!FrameCodec.TryDecodeDatagram(datagram, out var frame, out var error))
        {
            Reject(null, GatewayRejection.MalformedDatagram, error);
            return;
        }

        if (frame.Type == FrameType.Membership && frame.Group.Span.SequenceEqual(_controlGroupWire))
        {
            if (frame.IsFragment)
            {
                Reject(null, GatewayRejection.FragmentedHello, null);
            }
            else if (Authenticate(_domainKeys, frame) is var refused && refused != ControlFrameRejection.None)
            {
                // Before the election sees it: a hello without the key never counts, whatever its priority.
                Reject(null, GatewayRejection.UnauthenticatedHello, refused);
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
                if (!frame.IsFragment && Authenticate(_domainKeys, frame) is var refused && refused != ControlFrameRejection.None)
                {
                    Reject(null, GatewayRejection.UnauthenticatedMemberReport, refused);
                    return;
                }

                var taken = _membership.HandleReport(now, frame);
                Collect();
                if (taken)
                {
                    UpdateInterest(now);
                }

                Drain(now);
            }

            return;
        }

        if (frame.Type is FrameType.Request or FrameType.Reply)
        {
            HandleDomainReverse(now, frame);
            Collect();
            Drain(now);
            return;
        }

        if (frame.Type != FrameType.Data)
        {
            Counters.NativeUnsupported++;
            return;
        }

        if (_protected.Count > 0 && (frame.Flags & FrameFlags.Relayed) == 0 && !PassesProtection(now, frame, datagram.Span))
        {
            return;
        }

        _forwarding.HandleDomainFrame(now, frame, datagram.Span);
        Collect();
        Drain(now);
    }

    // Checked before duplicate suppression, so a forged copy cannot take the place of the genuine
    // frame with the same source and sequence.
    private bool PassesProtection(TimeSpan now, in GridCastFrame frame, ReadOnlySpan<byte> datagram)
    {
        if (!_protected.TryGetValue(System.Text.Encoding.UTF8.GetString(frame.Group.Span), out var protection))
        {
            return true;
        }

        if (_utcNow is not { } utcNow)
        {
            throw new InvalidOperationException("a secured group's frames are checked against the wall clock: call HandleNativeDatagram with utcNow");
        }

        var rejection = protection.Verify(datagram, frame, utcNow, out _);
        if (rejection == Bridge.Multicast.Security.SecurityRejection.None)
        {
            rejection = protection.CheckReplay(frame, now, utcNow);
        }

        if (rejection == Bridge.Multicast.Security.SecurityRejection.None)
        {
            Security.OnVerified();
            return true;
        }

        Security.OnRejected(rejection);
        _outbox.Raise(new SecuredFrameRefused(GroupName.Parse(System.Text.Encoding.UTF8.GetString(frame.Group.Span)), frame.SourceId, rejection));
        Drain(now);
        return false;
    }

    /// <summary>
    /// A frame arrived on the overlay link from <paramref name="from"/> (link heartbeats excepted).
    /// Its memory is only read during this call. Whatever is wrong with it is counted, never thrown.
    /// </summary>
    public void HandlePeerFrame(TimeSpan now, GatewayId from, in GridCastFrame frame)
    {
        if (!_peers.TryGetKind(from, out var kind))
        {
            Reject(from, GatewayRejection.UnknownPeer, frame.Type);
            return;
        }

        switch (frame.Type)
        {
            case FrameType.LinkState when kind == PeerKind.Gateway && !frame.IsFragment:
                if (AuthenticatePeer(from, frame, GatewayRejection.UnauthenticatedLinkState))
                {
                    _flooding!.HandleMessage(now, from, frame.Payload.Span);
                }

                break;
            case FrameType.Membership when kind == PeerKind.Leaf && !frame.IsFragment:
                if (AuthenticatePeer(from, frame, GatewayRejection.UnauthenticatedInterest))
                {
                    HandleLeafInterest(now, from, frame.Payload.Span);
                }

                break;
            case FrameType.Relay:
                HandleRelay(now, from, kind, frame);
                break;
            case FrameType.PartialAggregate when kind != PeerKind.Upstream:
                HandlePeerPartial(now, from, frame);
                break;
            default:
                Reject(from, GatewayRejection.UnexpectedFrame, frame.Type);
                break;
        }

        Drain(now);
    }

    /// <summary>The deadline last returned by <see cref="PollTimeout"/> has passed: each expired timer goes to its owner.</summary>
    public void HandleTimeout(TimeSpan now)
    {
        if (_timers.IsExpired(GatewayTimer.Flooding, now))
        {
            _flooding!.HandleTimeout(now);
        }

        if (_timers.IsExpired(GatewayTimer.Election, now))
        {
            _election.HandleTimeout(now);
        }

        if (_upstreams is not null)
        {
            _upstreams.HandleTimeout(now);
            Collect();
        }

        if (_handover.HandleTimeout(now))
        {
            UpdateInterest(now);
        }

        if (_membership.HandleTimeout(now))
        {
            UpdateInterest(now);
        }

        _forwarding.HandleTimeout(now);
        Collect();
        _aggregation.HandleTimeout(now);
        Collect();
        Drain(now);
    }

    /// <summary>The next frame to send.</summary>
    public bool TryPollTransmit(out GatewayTransmit transmit) => _outbox.TryPollTransmit(out transmit);

    /// <summary>The next event to report.</summary>
    public bool TryPollEvent([MaybeNullWhen(false)] out GatewayEvent gatewayEvent) => _outbox.TryPollEvent(out gatewayEvent);

    /// <summary>When <see cref="HandleTimeout"/> is next due: the earliest deadline in the timer table.</summary>
    public TimeSpan? PollTimeout() => _timers.NextTimeout();

    private void HandleRelay(TimeSpan now, GatewayId from, PeerKind kind, in GridCastFrame frame)
    {
        var read = _forwarding.TryReadRelay(from, frame, out var relayed);
        Collect();
        if (!read)
        {
            return;
        }

        if (relayed.Inner.Type == FrameType.Request)
        {
            HandleRelayedRequest(now, from, kind, relayed);
            return;
        }

        if (kind == PeerKind.Upstream)
        {
            // Before duplicate suppression: a copy the other upstream delivered first still shows
            // that the preferred one delivers the group.
            _upstreams!.HandleRelayFrom(now, from, relayed.Group);
            Collect();
        }

        _forwarding.HandleRelay(now, from, kind, relayed);
        Collect();
    }

    /// <summary>
    /// A Request relay from a parent: held with the children a Data frame of the same ingress
    /// goes to, and sent into the domain when this gateway is designated for the group. Never
    /// through the data path's duplicate filter: requests are numbered apart from data.
    /// </summary>
    private void HandleRelayedRequest(TimeSpan now, GatewayId from, PeerKind kind, in RelayedFrame relayed)
    {
        if (kind == PeerKind.Leaf)
        {
            // A leaf's home is not an ingress of the reverse channel yet (docs/aggregation.md, "Not yet").
            Reject(from, GatewayRejection.UnexpectedRequest, FrameType.Request);
            return;
        }

        var children = _forwarding.RequestChildren(relayed.Ingress, relayed.Group, from);
        var deliver = _forwarding.DeliversToDomain(relayed.Group);
        var known = deliver ? _membership.MemberIdsOf(relayed.Group) : null;
        _aggregation.HandleRelayedRequest(now, from, relayed.Group, relayed.Ingress, relayed.Inner, children, deliver, known);
        Collect();
    }

    /// <summary>A PartialAggregate frame from a child peer (a transit gateway below on a tree, or a leaf).</summary>
    private void HandlePeerPartial(TimeSpan now, GatewayId from, in GridCastFrame frame)
    {
        if (frame.IsFragment)
        {
            Reject(from, GatewayRejection.FragmentedPartial, null);
            return;
        }

        if (!AuthenticatePeer(from, frame, GatewayRejection.UnauthenticatedPartial))
        {
            return;
        }

        if (!_aggregation.HandlePeerPartial(now, from, frame, out var error))
        {
            Reject(from, GatewayRejection.MalformedPartial, error);
            return;
        }

        Collect();
    }

    /// <summary>
    /// A Request or Reply frame from the domain. A request that no gateway relayed here, on a
    /// carried group this (transit) gateway is designated for, enters the overlay here; a reply
    /// goes to the aggregator, which counts it where this gateway carried its request in.
    /// </summary>
    private void HandleDomainReverse(TimeSpan now, in GridCastFrame frame)
    {
        if (frame.IsFragment || frame.Tag.Length > 0)
        {
            // Requests and replies are whole and untagged (wire-format §5.1.4, §5.1.5).
            Counters.NativeUnsupported++;
            return;
        }

        if (!_carried.TryGetValue(Encoding.UTF8.GetString(frame.Group.Span), out var group))
        {
            Counters.NativeNotCarried++;
            return;
        }

        if (frame.Type == FrameType.Reply)
        {
            _aggregation.HandleDomainReply(now, frame);
            return;
        }

        if ((frame.Flags & FrameFlags.Relayed) != 0)
        {
            // A gateway of this domain carried it in; it does not go out again.
            Counters.NativeRelayedIgnored++;
            return;
        }

        if (!_election.IsDesignated(group))
        {
            Counters.NativeStandby++;
            return;
        }

        if (_options.Role == GatewayRole.Leaf)
        {
            // A request asked in a leaf's home does not enter the overlay yet (docs/aggregation.md, "Not yet").
            Counters.NativeUnsupported++;
            return;
        }

        _aggregation.HandleDomainRequest(now, group, frame, _forwarding.RequestChildren(Id, group, from: null));
    }

    private void HandleLeafInterest(TimeSpan now, GatewayId leaf, ReadOnlySpan<byte> payload)
    {
        if (!LeafInterestCodec.TryDecode(payload, out var interest, out var error))
        {
            Reject(leaf, GatewayRejection.MalformedInterest, error);
            return;
        }

        if (interest.Leaf != leaf)
        {
            Reject(leaf, GatewayRejection.InterestFromOtherGateway, null);
            return;
        }

        _peers.SetLeafInterest(leaf, interest.Groups);
        UpdateInterest(now);
    }

    /// <summary>Recomputes what this gateway wants; when it changed, advertises it (transit) or asks the upstream(s) for it (leaf).</summary>
    private void UpdateInterest(TimeSpan now)
    {
        var next = new SortedDictionary<string, GroupName>(StringComparer.Ordinal);
        foreach (var group in _carried.Values)
        {
            if ((_election.IsDesignated(group) && _membership.HasReportedMembers(group)) || _handover.Covers(group))
            {
                next[group.WireName] = group;
            }
        }

        foreach (var group in _peers.LeafGroups)
        {
            next.TryAdd(group.WireName, group);
        }

        if (next.Count == _interest.Length && _interest.All(g => next.ContainsKey(g.WireName)))
        {
            return;
        }

        var before = _interest.Select(static g => g.WireName).ToHashSet(StringComparer.Ordinal);
        _interest = [.. next.Values];
        _outbox.Raise(new InterestChanged(_interest));
        if (_flooding is not null)
        {
            _flooding.SetGroups(now, _interest);
        }
        else
        {
            _upstreams!.HandleInterest(now, _interest, [.. _interest.Where(g => !before.Contains(g.WireName))]);
            Collect();
        }
    }

    /// <summary>Turns the election's and the flooding's output into frames and events until neither has more, then copies their deadlines into the table.</summary>
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
                    _outbox.Send(GatewayTransmit.ToPeer(flood.To, _control.EncodeForPeer(FrameType.LinkState, LinkGroup, flood.Bytes)));
                }

                while (_flooding.TryPollEvent(out var floodingEvent))
                {
                    progressed = true;
                    switch (floodingEvent)
                    {
                        case DatabaseChanged changed:
                            if (changed.Change.TopologyChanged)
                            {
                                _outbox.Raise(new TopologyChanged(changed.Origin, _flooding.Database.Count));
                            }

                            _handover.HandleAdvertisement(now, changed.Origin);
                            break;
                        case OriginRefused refused:
                            Reject(refused.From, GatewayRejection.OriginRefused, null);
                            break;
                    }
                }
            }

            while (_election.TryPollTransmit(out var hello))
            {
                progressed = true;
                _outbox.Send(GatewayTransmit.ToDomain(_options.ControlGroup, _control.EncodeForDomain(FrameType.Membership, _controlGroupWire, hello)));
            }

            while (_election.TryPollEvent(out var electionEvent))
            {
                progressed = true;
                switch (electionEvent)
                {
                    case BecameDesignated became:
                        _handover.HandleBecameDesignated(became.Group);
                        interestStale = true;
                        _outbox.Raise(new DesignationChanged(became.Group, true, Id));
                        break;
                    case StoodDown stood:
                        _handover.HandleStoodDown(now, stood.Group, stood.Successor);
                        interestStale = true;
                        _outbox.Raise(new DesignationChanged(stood.Group, false, stood.Successor));
                        break;
                    case Election.PeerUp up:
                        _outbox.Raise(new DomainPeerChanged(up.Peer, true));
                        break;
                    case Election.PeerDown down:
                        _outbox.Raise(new DomainPeerChanged(down.Peer, false));
                        break;
                    case HelloRejected rejected:
                        Reject(null, GatewayRejection.MalformedHello, rejected.Reason);
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
                break;
            }
        }

        _timers.SetOrStop(GatewayTimer.Flooding, _flooding?.PollTimeout());
        _timers.SetOrStop(GatewayTimer.Election, _election.PollTimeout());
    }

    /// <summary>Moves the sub-machines' output here. Called after every call to one, so only that one has output.</summary>
    private void Collect()
    {
        if (_upstreams is not null)
        {
            while (_upstreams.TryPollTransmit(out var transmit))
            {
                _outbox.Send(transmit);
            }

            while (_upstreams.TryPollEvent(out var upstreamEvent))
            {
                _outbox.Raise(upstreamEvent);
            }
        }

        while (_forwarding.TryPollTransmit(out var forwarded))
        {
            _outbox.Send(forwarded);
        }

        while (_forwarding.TryPollEvent(out var forwardingEvent))
        {
            _outbox.Raise(forwardingEvent);
        }

        while (_membership.TryPollEvent(out var membershipEvent))
        {
            _outbox.Raise(membershipEvent);
        }

        while (_aggregation.TryPollTransmit(out var reverse))
        {
            _outbox.Send(reverse);
        }

        while (_aggregation.TryPollEvent(out var aggregationEvent))
        {
            _outbox.Raise(aggregationEvent);
        }
    }

    /// <summary>The key's verdict on a control frame; every frame passes where there is no key (an unauthenticated side).</summary>
    private static ControlFrameRejection Authenticate(ControlFrameAuthenticator? keys, in GridCastFrame frame)
        => keys?.Verify(frame) ?? ControlFrameRejection.None;

    /// <summary>Whether a control frame from a peer passes the overlay key's checks; refused ones are counted and raised under <paramref name="reason"/>.</summary>
    private bool AuthenticatePeer(GatewayId from, in GridCastFrame frame, GatewayRejection reason)
    {
        var refused = Authenticate(_overlayKeys, frame);
        if (refused == ControlFrameRejection.None)
        {
            return true;
        }

        Reject(from, reason, refused);
        return false;
    }

    private void Reject(GatewayId? from, GatewayRejection reason, Enum? cause)
    {
        Counters.CountRejection(reason);
        _outbox.Raise(new InputRejected(from, reason, cause));
    }
}
