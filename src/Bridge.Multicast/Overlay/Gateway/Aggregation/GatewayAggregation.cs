using System.Diagnostics.CodeAnalysis;
using Bridge.Multicast.Aggregation;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Overlay.Gateway.Timers;
using Bridge.Multicast.Overlay.Routing;
using Bridge.Multicast.Wire;

namespace Bridge.Multicast.Overlay.Gateway.Aggregation;

/// <summary>
/// The reverse channel of a gateway (docs/aggregation.md, "Who aggregates"): it carries requests
/// down the group's tree, as data goes, and the partial aggregates back up, merging on the way in
/// one <see cref="RequestAggregator"/> per gateway.
/// </summary>
/// <remarks>
/// <para>Three places a gateway can stand for a request:</para>
/// <list type="bullet">
/// <item><description><b>Ingress</b>: a Request heard natively (no Relayed flag) on a carried group this gateway is designated for. The source in the domain aggregates its own domain's replies, so the ingress holds the request for its overlay children only (no known members, no domain replies), with the domain as its parent: its partial goes into the domain as a PartialAggregate frame, which the source takes (<see cref="DomainPartials.ChildOf"/>). Without children it holds nothing and sends nothing.</description></item>
/// <item><description><b>Transit</b> (or a leaf, from its upstream): a Request relay from a peer. The peer is the parent; the children are those a Data frame of the same ingress would go to; the domain's replies are aggregated here when this gateway sends the request into its domain (it is designated for the group), with the members its reports name when members are learned.</description></item>
/// <item><description>Everything else about requests (a Relayed request heard in the domain, replies for requests this gateway does not aggregate) is counted, never raised.</description></item>
/// </list>
/// <para>
/// The parent of an ingress request is this gateway's own id: a gateway is never its own peer, so
/// that id stands for "the domain" without ambiguity. Requests and replies never pass the data
/// path's duplicate filters (their numbers are a sequence of their own); the aggregator's request
/// ids take duplicates out instead.
/// </para>
/// <para>
/// Call order: one <c>Handle*</c> call, then the owner drains <see cref="TryPollTransmit"/> and
/// <see cref="TryPollEvent"/>. Invariants: the <see cref="GatewayTimer.Aggregation"/> slot holds
/// the aggregator's <see cref="RequestAggregator.PollTimeout"/> after every call; a request's
/// routing entry lives exactly as long as the aggregator holds the request.
/// </para>
/// </remarks>
internal sealed class GatewayAggregation
{
    private readonly GatewayOptions _options;
    private readonly GatewayTimerTable _timers;
    private readonly GatewayCounters _counters;
    private readonly ControlFrameEncoder _control;
    private readonly GatewayOutbox _outbox = new();
    private readonly RequestAggregator _aggregator;
    private readonly Dictionary<ulong, Route> _routes = [];

    public GatewayAggregation(GatewayOptions options, GatewayTimerTable timers, GatewayCounters counters, ControlFrameEncoder control)
    {
        _options = options;
        _timers = timers;
        _counters = counters;
        _control = control;
        _aggregator = new RequestAggregator(options.Aggregation);
    }

    /// <summary>The aggregator's counters: replies absorbed, partials received and sent, drops by reason.</summary>
    public AggregationCounters Counters => _aggregator.Counters;

    /// <summary>Requests held now, finished ones still lingering included.</summary>
    public int RequestCount => _aggregator.RequestCount;

    private GatewayId Id => _options.Id;

    /// <summary>
    /// A Request frame (whole, untagged, no Relayed flag) heard in the domain on
    /// <paramref name="group"/>, which this gateway is designated for: it enters the overlay here
    /// and goes to <paramref name="children"/>.
    /// </summary>
    public void HandleDomainRequest(TimeSpan now, GroupName group, in GridCastFrame frame, IReadOnlyList<GatewayId> children)
    {
        if (children.Count == 0)
        {
            // Nobody beyond this domain wants the group: the source has every answer itself.
            _counters.RequestsWithoutChildren++;
            return;
        }

        if (!AggregationRequestCodec.TryDecode(frame.Payload.Span, out var request, out _))
        {
            _aggregator.HandleRequestPayload(now, frame.Payload.Span, Id, children, []);
            Drain();
            return;
        }

        _counters.RequestIngress++;
        Take(now, group, frame, request, parent: Id, children, knownMembers: [], ingress: Id, deliver: false);
    }

    /// <summary>
    /// A Request relay from <paramref name="parent"/> (a transit gateway on the tree, or a leaf's
    /// upstream): held with <paramref name="children"/> expected, sent into the domain when
    /// <paramref name="deliver"/>, where <paramref name="knownMembers"/> are the members known.
    /// </summary>
    public void HandleRelayedRequest(TimeSpan now, GatewayId parent, GroupName group, GatewayId ingress, in GridCastFrame inner, IReadOnlyList<GatewayId> children, bool deliver, IReadOnlyCollection<ulong>? knownMembers)
    {
        _counters.RequestRelaysReceived++;
        if (!AggregationRequestCodec.TryDecode(inner.Payload.Span, out var request, out _))
        {
            _aggregator.HandleRequestPayload(now, inner.Payload.Span, parent, children, knownMembers);
            Drain();
            return;
        }

        // A gateway that neither delivers nor has children still answers its parent, at once and
        // empty: its parent expects it, and an empty partial is not a missing subtree.
        Take(now, group, inner, request, parent, children, deliver ? knownMembers : [], ingress, deliver);
    }

    /// <summary>A Reply frame heard in the domain: aggregated when this gateway carried its request into the domain.</summary>
    public void HandleDomainReply(TimeSpan now, in GridCastFrame frame)
    {
        if (!ReplyCodec.TryDecode(frame.Payload.Span, out var reply, out _))
        {
            _aggregator.HandleReplyPayload(now, frame.Payload.Span);
            Drain();
            return;
        }

        if (_routes.TryGetValue(reply.RequestId, out var route) && !route.FeedsDomain)
        {
            // This gateway is the request's ingress: the source in this domain counts these.
            _counters.RepliesForSource++;
            return;
        }

        _aggregator.HandleReply(now, reply);
        Drain();
    }

    /// <summary>A whole PartialAggregate frame from the child peer <paramref name="child"/>; false when its payload does not decode (the caller rejects it).</summary>
    public bool HandlePeerPartial(TimeSpan now, GatewayId child, in GridCastFrame frame, out AggregationError error)
    {
        if (!PartialAggregateCodec.TryDecode(frame.Payload.Span, out var partial, out error))
        {
            return false;
        }

        _counters.PartialsReceived++;
        _aggregator.HandlePartial(now, child, partial);
        Drain();
        return true;
    }

    /// <summary>The link to <paramref name="peer"/> went down: every request waiting for its partial stops waiting.</summary>
    public void HandlePeerLost(TimeSpan now, GatewayId peer)
    {
        _aggregator.HandleChildLost(now, peer);
        Drain();
    }

    /// <summary>When <see cref="GatewayTimer.Aggregation"/> has expired: deadlines, late reports, forgetting.</summary>
    public void HandleTimeout(TimeSpan now)
    {
        if (!_timers.IsExpired(GatewayTimer.Aggregation, now))
        {
            return;
        }

        _aggregator.HandleTimeout(now);
        Drain();
        if (_routes.Count > _aggregator.RequestCount)
        {
            List<ulong>? forgotten = null;
            foreach (var id in _routes.Keys)
            {
                if (!_aggregator.IsHeld(id))
                {
                    (forgotten ??= []).Add(id);
                }
            }

            foreach (var id in forgotten ?? [])
            {
                _routes.Remove(id);
            }
        }
    }

    public bool TryPollTransmit(out GatewayTransmit transmit) => _outbox.TryPollTransmit(out transmit);

    public bool TryPollEvent([MaybeNullWhen(false)] out GatewayEvent gatewayEvent) => _outbox.TryPollEvent(out gatewayEvent);

    private void Take(TimeSpan now, GroupName group, in GridCastFrame frame, AggregationRequest request, GatewayId parent, IReadOnlyList<GatewayId> children, IReadOnlyCollection<ulong>? knownMembers, GatewayId ingress, bool deliver)
    {
        // The route is in place before the aggregator runs: a request that finishes at once (no
        // children, no members to wait for) sends its partial from within HandleRequest's drain.
        var known = _routes.ContainsKey(request.RequestId);
        if (!known)
        {
            _routes.Add(request.RequestId, new Route(group, deliver));
        }

        var taken = _aggregator.HandleRequest(now, request, parent, children, knownMembers);
        if (!taken && !known)
        {
            _routes.Remove(request.RequestId);
        }

        while (_aggregator.TryPollForward(out var forward))
        {
            if (children.Count > 0)
            {
                var innerBytes = RelayCodec.EncodeRequest(frame, forward, relayed: false);
                FrameCodec.TryDecodeDatagram(innerBytes, out var inner, out _);
                var relay = RelayCodec.Encode(ingress, inner, innerBytes);
                foreach (var child in children)
                {
                    _counters.RequestRelaysSent++;
                    _outbox.Send(GatewayTransmit.ToPeer(child, relay));
                }
            }

            if (deliver)
            {
                _counters.RequestsDelivered++;
                _outbox.Send(GatewayTransmit.ToDomain(group, RelayCodec.EncodeRequest(frame, forward, relayed: true)));
            }
        }

        Drain();
    }

    /// <summary>Moves the aggregator's partials and events out, then re-arms the timer.</summary>
    private void Drain()
    {
        while (_aggregator.TryPollPartial(out var outgoing))
        {
            if (!_routes.TryGetValue(outgoing.Partial.RequestId, out var route))
            {
                continue;
            }

            var payload = PartialAggregateCodec.Encode(outgoing.Partial);
            if (outgoing.Parent == Id)
            {
                _counters.PartialsToDomain++;
                _outbox.Send(GatewayTransmit.ToDomain(route.Group, _control.EncodeForDomain(FrameType.PartialAggregate, route.GroupWire, payload)));
            }
            else
            {
                _counters.PartialsToPeers++;
                _outbox.Send(GatewayTransmit.ToPeer(outgoing.Parent, _control.EncodeForPeer(FrameType.PartialAggregate, route.GroupWire, payload)));
            }
        }

        while (_aggregator.TryPollEvent(out var aggregationEvent))
        {
            if (aggregationEvent is AggregationInputRejected rejected)
            {
                _outbox.Raise(new AggregationRejected(rejected));
            }
        }

        _timers.SetOrStop(GatewayTimer.Aggregation, _aggregator.PollTimeout());
    }

    /// <summary>Where a held request's partial goes and whether this domain's replies count for it.</summary>
    private sealed class Route(GroupName group, bool feedsDomain)
    {
        public GroupName Group { get; } = group;

        public ReadOnlyMemory<byte> GroupWire { get; } = System.Text.Encoding.UTF8.GetBytes(group.WireName);

        public bool FeedsDomain { get; } = feedsDomain;
    }
}
