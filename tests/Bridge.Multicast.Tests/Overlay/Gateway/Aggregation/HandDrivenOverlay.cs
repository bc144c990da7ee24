using Bridge.Multicast.Aggregation;
using Bridge.Multicast.Overlay.Gateway;
using Bridge.Multicast.Overlay.Routing;
using Bridge.Multicast.Wire;
using static Bridge.Multicast.Tests.Overlay.Gateway.GatewayInputs;

namespace Bridge.Multicast.Tests.Overlay.Gateway.Aggregation;

/// <summary>
/// A few transit gateways, one per domain, linked by hand and driven without a simulator: frames
/// for peers are handed over at once (or held back, to test what a lost or repeated frame does),
/// frames into a domain are kept per gateway, and time moves only through their timeouts.
/// </summary>
internal sealed class HandDrivenOverlay
{
    public const ulong Source = 500;

    private readonly Dictionary<GatewayId, OverlayGateway> _gateways = [];

    public HandDrivenOverlay(params string[] ids)
        : this(learnMembers: false, ids)
    {
    }

    /// <summary>Transit gateways <paramref name="ids"/>, learning their domains' members from reports when <paramref name="learnMembers"/>.</summary>
    public HandDrivenOverlay(bool learnMembers, params string[] ids)
    {
        foreach (var id in ids)
        {
            var (gateway, now) = Designated(new GatewayOptions
            {
                Id = new GatewayId(id),
                Carry = [GatewayWorld.Group],
                SourceId = (ulong)(1000 + _gateways.Count),
                Flooding = GatewayWorld.Flooding,
                LearnMembers = learnMembers,
                StartupWait = learnMembers ? TimeSpan.Zero : null,
            });
            _gateways.Add(gateway.Id, gateway);
            Now = now > Now ? now : Now;
        }
    }

    public TimeSpan Now { get; private set; }

    /// <summary>Frames each gateway sent into its domain, in order.</summary>
    public Dictionary<GatewayId, List<GatewayTransmit>> ToDomain { get; } = [];

    /// <summary>Frames between peers that <see cref="Hold"/> kept back, in order.</summary>
    public List<(GatewayId From, GatewayTransmit Transmit)> Held { get; } = [];

    /// <summary>Events each gateway raised.</summary>
    public Dictionary<GatewayId, List<GatewayEvent>> Raised { get; } = [];

    /// <summary>Peer frames of this type are kept in <see cref="Held"/> instead of delivered.</summary>
    public FrameType? Hold { get; set; }

    public OverlayGateway this[string id] => _gateways[new GatewayId(id)];

    /// <summary>Adds a leaf gateway (its home its own domain) under the transit gateway <paramref name="upstream"/>, link up at both ends.</summary>
    public void AddLeaf(string id, string upstream)
    {
        var (leaf, now) = Designated(new GatewayOptions
        {
            Id = new GatewayId(id),
            Role = GatewayRole.Leaf,
            Upstreams = [new GatewayId(upstream)],
            Carry = [GatewayWorld.Group],
            SourceId = (ulong)(1000 + _gateways.Count),
        });
        _gateways.Add(leaf.Id, leaf);
        Now = now > Now ? now : Now;
        this[upstream].PeerUp(Now, leaf.Id, PeerKind.Leaf, 1000);
        leaf.PeerUp(Now, new GatewayId(upstream), PeerKind.Upstream, 1000);
        Pump();
    }

    public void Link(string a, string b)
    {
        this[a].PeerUp(Now, new GatewayId(b), PeerKind.Gateway, 1000);
        this[b].PeerUp(Now, new GatewayId(a), PeerKind.Gateway, 1000);
        Pump();

        // Flooding paces its advertisements: let the databases settle.
        RunUntil(Now + TimeSpan.FromSeconds(1));
    }

    /// <summary>Hands every frame for a peer to that peer until none is left.</summary>
    public void Pump()
    {
        var progressed = true;
        while (progressed)
        {
            progressed = false;
            foreach (var (id, gateway) in _gateways)
            {
                foreach (var transmit in Drain(gateway))
                {
                    progressed = true;
                    if (transmit.Peer is not { } peer)
                    {
                        Domain(id).Add(transmit);
                    }
                    else if (Hold is { } held && transmit.Frame.Span[3] == (byte)held)
                    {
                        Held.Add((id, transmit));
                    }
                    else if (_gateways.TryGetValue(peer, out var to))
                    {
                        to.HandlePeerFrame(Now, id, Decode(transmit.Frame));
                    }
                }

                var events = Events(gateway);
                if (events.Count > 0)
                {
                    progressed = true;
                    (Raised.TryGetValue(id, out var list) ? list : Raised[id] = []).AddRange(events);
                }
            }
        }
    }

    /// <summary>Runs every gateway's timeouts up to <paramref name="until"/>, pumping frames after each.</summary>
    public void RunUntil(TimeSpan until)
    {
        while (true)
        {
            var next = _gateways.Values.Select(g => g.PollTimeout()).Where(t => t is not null).Min();
            if (next is not { } due || due > until)
            {
                break;
            }

            Now = due > Now ? due : Now;
            foreach (var gateway in _gateways.Values)
            {
                if (gateway.PollTimeout() is { } t && t <= Now)
                {
                    gateway.HandleTimeout(Now);
                }
            }

            Pump();
        }

        Now = until > Now ? until : Now;
    }

    /// <summary>A Request frame from <see cref="Source"/> heard natively in <paramref name="gateway"/>'s domain.</summary>
    public void AskIn(string gateway, AggregationRequest request, ulong sequence = 1)
    {
        this[gateway].HandleNativeDatagram(Now, Frame(FrameType.Request, GroupWire, AggregationRequestCodec.Encode(request), Source, sequence));
        Pump();
    }

    /// <summary>Members <paramref name="members"/> of <paramref name="gateway"/>'s domain report the group.</summary>
    public void ReportIn(string gateway, params ulong[] members)
    {
        foreach (var member in members)
        {
            this[gateway].HandleNativeDatagram(Now, MemberReport($"member-{member:x16}", 1, [GatewayWorld.Group]));
        }

        Pump();
    }

    /// <summary>A Reply of <paramref name="member"/> heard natively in <paramref name="gateway"/>'s domain.</summary>
    public void ReplyIn(string gateway, ulong requestId, ulong member, double value)
    {
        this[gateway].HandleNativeDatagram(Now, Frame(FrameType.Reply, GroupWire, ReplyCodec.Encode(new Reply(requestId, member, value)), member, 1));
        Pump();
    }

    /// <summary>The frames of <paramref name="type"/> that <paramref name="gateway"/> sent into its domain, decoded.</summary>
    public List<GridCastFrame> DomainFrames(string gateway, FrameType type)
        => [.. Domain(new GatewayId(gateway)).Select(t => Decode(t.Frame)).Where(f => f.Type == type)];

    /// <summary>The partials <paramref name="gateway"/> sent into its domain, decoded.</summary>
    public List<PartialAggregate> DomainPartials(string gateway)
        => [.. DomainFrames(gateway, FrameType.PartialAggregate).Select(f =>
        {
            Assert.True(PartialAggregateCodec.TryDecode(f.Payload.Span, out var partial, out var error), error.ToString());
            return partial;
        })];

    private List<GatewayTransmit> Domain(GatewayId id) => ToDomain.TryGetValue(id, out var list) ? list : ToDomain[id] = [];
}
