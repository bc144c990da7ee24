using System.Diagnostics.Metrics;
using Bridge.Adapters.Iec61850.Adapter.Mms;
using Bridge.Host.Bridging;
using Bridge.Host.Configuration;
using Bridge.Host.Node;
using Bridge.Multicast.Aggregation;
using Bridge.Multicast.Endpoint;
using Bridge.Multicast.Overlay.Election;
using Bridge.Multicast.Overlay.Flooding;
using Bridge.Multicast.Overlay.Gateway;
using Bridge.Multicast.Security.ControlPlane;
using Bridge.Multicast.Transports.Overlay;
using Bridge.Multicast.Wire;

namespace Bridge.Host.Diagnostics;

/// <summary>
/// The node's metrics: one meter per area (<see cref="SocketMeter"/>, <see cref="EndpointMeter"/>,
/// <see cref="GatewayMeter"/>, <see cref="LinksMeter"/>, <see cref="AdaptersMeter"/>) whose
/// observable instruments read the counters of the node's live components when a reader
/// (the Prometheus scrape, the OTLP export) collects. Instruments follow OpenTelemetry's naming
/// (<c>gridcast.endpoint.datagrams.received</c>, units in UCUM or <c>{thing}</c>); in each area
/// everything dropped or refused is one <c>….dropped</c> counter with a <c>reason</c> tag.
/// </summary>
/// <remarks>
/// <para><b>One counter model.</b> The components count in three thread models, each the
/// cheapest its code allows, and none of them references <see cref="System.Diagnostics.Metrics"/>:
/// the single-threaded state machines (gateway, election, flooding) in plain fields, copied into a
/// snapshot by their driver (<see cref="GatewayNode.State"/>, at most 20 ms old); the single-writer
/// endpoint and reassembler in volatile fields, readable from any thread; the adapters, called on
/// their libraries' threads, with <see cref="Interlocked"/>, read as one
/// <see cref="Core.Adapters.AdapterSideStatus"/>. What is unified is the reading: every counter
/// reaches the outside through this class and only as an observable instrument, pulled at
/// collection time.</para>
/// <para><b>Why observable, not <c>Counter&lt;long&gt;.Add</c> in the components.</b> The state
/// machines stay free of global meters and of any cost per datagram; the counters the tests
/// assert on stay the components' own; and several nodes in one process (the simulator, the
/// tests) each get their own meters from the host's <see cref="IMeterFactory"/> instead of
/// summing into static ones.</para>
/// <para><b>Tags.</b> Per-group or per-peer components are tagged only where the number is
/// bounded by the configuration: overlay links by configured peer id (accepted leaves, unbounded,
/// are summed under <c>kind=leaf</c>); adapters by kind. Groups are not a tag: a template rule
/// makes as many groups as its values allow.</para>
/// </remarks>
internal sealed class GridcastMetrics
{
    /// <summary>The RFC 7046 socket API of the bridge: messages and groups.</summary>
    public const string SocketMeter = "GridCast.Socket";

    /// <summary>The group endpoint under the socket: frames, datagrams and reassembly.</summary>
    public const string EndpointMeter = "GridCast.Endpoint";

    /// <summary>The overlay gateway: forwarding, election and flooding.</summary>
    public const string GatewayMeter = "GridCast.Gateway";

    /// <summary>The gateway's overlay links.</summary>
    public const string LinksMeter = "GridCast.Links";

    /// <summary>The bridge's adapter sides (MQTT, AMQP).</summary>
    public const string AdaptersMeter = "GridCast.Adapters";

    /// <summary>The IEDs of the IEC 61850 side (MMS), one series per IED.</summary>
    public const string Iec61850Meter = "GridCast.Iec61850";

    /// <summary>Every meter of the node, for an exporter's list.</summary>
    public static readonly IReadOnlyList<string> Meters = [SocketMeter, EndpointMeter, GatewayMeter, LinksMeter, AdaptersMeter, Iec61850Meter];



    private static readonly FrameError[] FrameErrors = [.. Enum.GetValues<FrameError>().Where(static e => e != FrameError.None)];
    private static readonly AggregationDropReason[] AggregationDrops = Enum.GetValues<AggregationDropReason>();
    private static readonly AggregationError[] PayloadErrors = [.. Enum.GetValues<AggregationError>().Where(static e => e != AggregationError.None)];
    private static readonly HelloError[] HelloErrors = [.. Enum.GetValues<HelloError>().Where(static e => e != HelloError.None)];
    private static readonly LsaError[] LsaErrors = [.. Enum.GetValues<LsaError>().Where(static e => e != LsaError.None)];

    private readonly BridgeService? _bridge;
    private readonly GatewayRegistration.GatewayService? _gateway;
    private readonly IReadOnlyList<string> _configuredPeers;

    /// <summary>Creates the meters of a node running <paramref name="configuration"/>, over its bridge and gateway when it has them.</summary>
    public GridcastMetrics(IMeterFactory meters, NodeConfiguration configuration, BridgeService? bridge, GatewayRegistration.GatewayService? gateway)
    {
        ArgumentNullException.ThrowIfNull(meters);
        ArgumentNullException.ThrowIfNull(configuration);
        _bridge = bridge;
        _gateway = gateway;
        _configuredPeers = configuration.Gateway is { } section ? GatewayRegistration.ConfiguredPeers(section) : [];
        // The node's id is the exporters' service.instance.id (a resource attribute), not a tag on every series.
        CreateSocket(meters.Create(SocketMeter));
        CreateEndpoint(meters.Create(EndpointMeter));
        CreateGateway(meters.Create(GatewayMeter));
        CreateLinks(meters.Create(LinksMeter));
        CreateAdapters(meters.Create(AdaptersMeter));
        // The side's instruments, tagged by IED, are defined beside it; read here like the others, at collection.
        Iec61850Instruments.Create(meters.Create(Iec61850Meter), () => (_bridge?.RunningSide(Iec61850AdapterKind.KindName) as Iec61850Side)?.IedStatus() ?? []);
    }

    /// <summary><c>BadMagic</c> as <c>bad_magic</c>: tag values in the style of the instrument names.</summary>
    public static string SnakeCase(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var text = new System.Text.StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                text.Append('_');
            }

            text.Append(char.ToLowerInvariant(name[i]));
        }

        return text.ToString();
    }

    private static readonly Bridge.Multicast.Security.SecurityRejection[] SecurityRejections =
        [.. Enum.GetValues<Bridge.Multicast.Security.SecurityRejection>().Where(r => r != Bridge.Multicast.Security.SecurityRejection.None)];

    private static Measurement<long> Reason(long value, string reason) => new(value, new KeyValuePair<string, object?>("reason", reason));

    private GroupEndpointCounters? Endpoint => _bridge?.Socket?.Counters;

    private GatewayNode.Snapshot? Gateway => _gateway?.Node?.State;

    private void CreateSocket(Meter meter)
    {
        meter.CreateObservableUpDownCounter("gridcast.socket.groups.joined", () => Each(_bridge?.Socket?.JoinedGroups.Count), "{group}", "Groups the bridge's socket has joined now.");
        meter.CreateObservableCounter("gridcast.socket.messages.sent", () => Each(Endpoint?.MessagesSent), "{message}", "Messages the bridge sent to groups.");
        meter.CreateObservableCounter("gridcast.socket.messages.received", () => Each(Endpoint?.MessagesReceived), "{message}", "Whole messages the bridge's socket received from groups (its own, heard back, included).");
        meter.CreateObservableCounter<long>(
            "gridcast.socket.messages.lost",
            () => Endpoint?.Reassembly is not { } r ? [] :
            [
                Reason(r.Expired, "expired"),
                Reason(r.Evicted, "evicted"),
                Reason(r.Refused, "too_large"),
                Reason(r.InconsistentFragments, "inconsistent"),
            ],
            "{message}",
            "Fragmented messages given up on, by reason.");
    }

    private void CreateEndpoint(Meter meter)
    {
        meter.CreateObservableCounter("gridcast.endpoint.frames.sent", () => Each(Endpoint?.FramesSent), "{frame}", "Frames sent, one per fragment.");
        meter.CreateObservableCounter("gridcast.endpoint.sent", () => Each(Endpoint?.BytesSent), "By", "Bytes of the frames sent.");
        meter.CreateObservableCounter<long>(
            "gridcast.endpoint.datagrams.received",
            () => Endpoint is { } e ? [new Measurement<long>(e.FramesReceived + e.RejectedTotal)] : [],
            "{datagram}",
            "Datagrams the endpoint took from its interfaces, valid or not.");
        meter.CreateObservableCounter("gridcast.endpoint.frames.received", () => Each(Endpoint?.FramesReceived), "{frame}", "Datagrams that decoded to a valid frame.");
        meter.CreateObservableCounter<long>("gridcast.endpoint.datagrams.dropped", EndpointDrops, "{datagram}", "Datagrams and fragments dropped, by reason; a malformed frame's reason is its decoding error (bad_magic, truncated, ...).");
        meter.CreateObservableCounter("gridcast.endpoint.reassembly.completed", () => Each(Endpoint?.Reassembly.Completed), "{message}", "Fragmented messages reassembled whole.");
        meter.CreateObservableUpDownCounter("gridcast.endpoint.reassembly.buffered", () => Each(Endpoint?.Reassembly.BufferedBytes), "By", "Bytes held now by incomplete messages.");
        meter.CreateObservableUpDownCounter("gridcast.endpoint.reassembly.pending", () => Each(Endpoint?.Reassembly.PendingMessages), "{message}", "Incomplete messages held now.");
        meter.CreateObservableCounter("gridcast.endpoint.requests.sent", () => Each(Endpoint?.RequestsSent), "{frame}", "Request frames sent (the reverse channel).");
        meter.CreateObservableCounter("gridcast.endpoint.requests.received", () => Each(Endpoint?.RequestsReceived), "{frame}", "Request frames taken in, once per source and sequence number.");
        meter.CreateObservableCounter("gridcast.endpoint.replies.sent", () => Each(Endpoint?.RepliesSent), "{frame}", "Reply frames sent.");
        meter.CreateObservableCounter("gridcast.endpoint.replies.received", () => Each(Endpoint?.RepliesReceived), "{frame}", "Reply frames taken in for a joined or listened group.");
        meter.CreateObservableCounter("gridcast.endpoint.partials.received", () => Each(Endpoint?.PartialsReceived), "{frame}", "PartialAggregate frames from the domain's gateways taken in for a joined or listened group.");
        meter.CreateObservableCounter("gridcast.endpoint.security.sealed", () => Each(Endpoint?.Security.Sealed), "{frame}", "Frames of secured groups given a tag (and encrypted where the group says so).");
        meter.CreateObservableCounter("gridcast.endpoint.security.verified", () => Each(Endpoint?.Security.Verified), "{frame}", "Frames of secured groups whose tag verified and that passed the replay checks; refusals are in gridcast.endpoint.datagrams.dropped as security_*.");
        meter.CreateObservableUpDownCounter("gridcast.endpoint.reassembly.remembered", () => Each(Endpoint?.Reassembly.RememberedMessages), "{message}", "Ended messages remembered now, to drop their late fragments.");
    }

    private IEnumerable<Measurement<long>> EndpointDrops()
    {
        if (Endpoint is not { } e)
        {
            return [];
        }

        var drops = new List<Measurement<long>>(FrameErrors.Length + 7)
        {
            Reason(e.Duplicates, "duplicate"),
            Reason(e.TooOld, "too_old"),
            Reason(e.NotJoined, "not_joined"),
            Reason(e.Unsupported, "unsupported"),
            Reason(e.Reassembly.DuplicateFragments, "duplicate_fragment"),
            Reason(e.Reassembly.LateFragments, "late_fragment"),
        };
        foreach (var error in FrameErrors)
        {
            drops.Add(Reason(e.Rejected(error), SnakeCase(error.ToString())));
        }

        // A valid frame whose request or reply payload did not decode, by the codec's reason.
        foreach (var error in PayloadErrors)
        {
            drops.Add(Reason(e.PayloadRejected(error), "payload_" + SnakeCase(error.ToString())));
        }

        // A frame of a secured group refused by its protection (docs/security.md), by reason.
        foreach (var rejection in SecurityRejections)
        {
            drops.Add(Reason(e.Security.Rejected(rejection), "security_" + SnakeCase(rejection.ToString())));
        }

        return drops;
    }

    private void CreateGateway(Meter meter)
    {
        meter.CreateObservableCounter("gridcast.gateway.security.verified", () => Each(_gateway?.Node?.Security.Verified), "{frame}", "Frames of secured groups whose keys the gateway holds, verified before entering the overlay.");
        meter.CreateObservableCounter<long>(
            "gridcast.gateway.security.refused",
            () => _gateway?.Node?.Security is { } g ? [.. SecurityRejections.Select(r => Reason(g.Rejected(r), SnakeCase(r.ToString())))] : [],
            "{frame}",
            "Frames of secured groups refused before entering the overlay, by reason (bad_tag, replayed, key_expired, ...).");
        meter.CreateObservableCounter("gridcast.gateway.frames.ingress", () => Each(Gateway?.Counters.NativeIngress), "{frame}", "Data frames taken from the domain into the overlay.");
        meter.CreateObservableCounter("gridcast.gateway.frames.delivered", () => Each(Gateway?.Counters.DomainDeliveries), "{frame}", "Frames sent into the domain from the overlay.");
        meter.CreateObservableCounter("gridcast.gateway.relays.received", () => Each(Gateway?.Counters.RelaysReceived), "{frame}", "Relay frames accepted from peers.");
        meter.CreateObservableCounter("gridcast.gateway.relays.sent", () => Each(Gateway?.Counters.RelaysSent), "{frame}", "Relay frames sent to peers, one per copy.");
        meter.CreateObservableCounter("gridcast.gateway.relays.off_tree", () => Each(Gateway?.Counters.RelaysOffTree), "{frame}", "Relay frames from another peer than the tree's parent (while trees settle).");
        meter.CreateObservableCounter("gridcast.gateway.member_reports.received", () => Each(Gateway?.Counters.MemberReports), "{report}", "Member reports heard from the domain.");
        meter.CreateObservableCounter("gridcast.gateway.hellos.sent", () => Each(Gateway?.Election.HellosSent), "{hello}", "Election hellos sent into the domain.");
        meter.CreateObservableCounter("gridcast.gateway.hellos.received", () => Each(Gateway?.Election.HellosReceived), "{hello}", "Well-formed hellos from the domain's other gateways.");
        meter.CreateObservableCounter("gridcast.gateway.election.peers_expired", () => Each(Gateway?.Election.PeersExpired), "{gateway}", "Domain gateways counted dead after their hold time.");
        meter.CreateObservableCounter("gridcast.gateway.lsa.sent", () => Each(Gateway?.Flooding?.AdvertisementsSent), "{message}", "Link-state advertisements sent, retransmissions included.");
        meter.CreateObservableCounter("gridcast.gateway.lsa.retransmitted", () => Each(Gateway?.Flooding?.Retransmissions), "{message}", "Advertisements sent again for want of an acknowledgement.");
        meter.CreateObservableCounter("gridcast.gateway.lsa.acks_sent", () => Each(Gateway?.Flooding?.AcksSent), "{message}", "Link-state acknowledgements sent.");
        meter.CreateObservableCounter("gridcast.gateway.requests.ingress", () => Each(Gateway?.Counters.RequestIngress), "{request}", "Requests from the domain that entered the overlay here (the reverse channel).");
        meter.CreateObservableCounter("gridcast.gateway.requests.relayed", () => Each(Gateway?.Counters.RequestRelaysSent), "{frame}", "Request relays sent to child peers, one per copy.");
        meter.CreateObservableCounter("gridcast.gateway.requests.delivered", () => Each(Gateway?.Counters.RequestsDelivered), "{request}", "Requests from the overlay sent into the domain.");
        meter.CreateObservableCounter("gridcast.gateway.aggregation.replies", () => Each(Gateway?.Aggregation.RepliesAccepted), "{reply}", "Replies from the domain absorbed into a partial aggregate.");
        meter.CreateObservableCounter("gridcast.gateway.aggregation.partials.received", () => Each(Gateway?.Aggregation.PartialsAccepted), "{partial}", "Child gateways' partials merged.");
        meter.CreateObservableCounter("gridcast.gateway.aggregation.partials.sent", () => Each(Gateway?.Aggregation.PartialsSent), "{partial}", "Partials sent to the parent (or into the source's domain), late-only updates included.");
        meter.CreateObservableCounter("gridcast.gateway.aggregation.subtrees_missing", () => Each(Gateway?.Aggregation.SubtreesMissing), "{subtree}", "Child subtrees counted missing (failed or silent) in a partial.");
        meter.CreateObservableCounter<long>("gridcast.gateway.aggregation.dropped", AggregationDropped, "{input}", "Requests, replies and partials the gateway's aggregator did not fold in, by reason.");
        meter.CreateObservableCounter("gridcast.gateway.frames.dropped", GatewayDrops, "{frame}", "Frames, hellos and advertisements dropped or refused, by reason.");
        meter.CreateObservableCounter<long>("gridcast.gateway.control.verified", ControlVerified, "{frame}", "Control frames whose tag, timestamp and sequence number passed, by key (domain, overlay).");
        meter.CreateObservableCounter<long>("gridcast.gateway.control.rejected", ControlRejected, "{frame}", "Control frames refused by the control-plane key's checks, by key (domain, overlay) and reason.");
        meter.CreateObservableUpDownCounter("gridcast.gateway.gateways.known", () => Each(Gateway?.Gateways), "{gateway}", "Gateways in the link-state database.");
        meter.CreateObservableUpDownCounter("gridcast.gateway.groups.designated", () => Each(Gateway?.Designated.Count), "{group}", "Carried groups this gateway is designated for.");
    }

    private IEnumerable<Measurement<long>> AggregationDropped()
    {
        if (Gateway is not { } state)
        {
            return [];
        }

        var drops = new List<Measurement<long>>(AggregationDrops.Length);
        foreach (var reason in AggregationDrops)
        {
            drops.Add(Reason(state.Aggregation.DroppedBy(reason), SnakeCase(reason.ToString())));
        }

        return drops;
    }

    private IEnumerable<Measurement<long>> GatewayDrops()
    {
        if (Gateway is not { } state)
        {
            return [];
        }

        var c = state.Counters;
        var drops = new List<Measurement<long>>
        {
            Reason(c.NativeStandby, "standby"),
            Reason(c.NativeRelayedIgnored, "relayed_from_domain"),
            Reason(c.NativeNotCarried, "not_carried"),
            Reason(c.NativeDuplicates, "duplicate_from_domain"),
            Reason(c.NativeUnsupported, "unsupported_from_domain"),
            Reason(c.RelayDuplicates, "duplicate_relay"),
            Reason(c.DomainDuplicates, "delivered_already"),
            Reason(state.Election.OwnHellosIgnored, "own_hello"),
        };

        // Refusals by their named reason; the summary counters they also add to (NativeMalformed,
        // PeerRejected, UnknownPeer) are not repeated, and an origin the database refused is the
        // flooding's lsa_over_max_origins below.
        foreach (var rejection in GatewayRejections.All)
        {
            if (rejection != GatewayRejection.OriginRefused)
            {
                drops.Add(Reason(c.Rejected(rejection), SnakeCase(rejection.ToString())));
            }
        }

        foreach (var error in HelloErrors)
        {
            drops.Add(Reason(state.Election.RejectedBy(error), "hello_" + SnakeCase(error.ToString())));
        }

        if (state.Flooding is { } flooding)
        {
            drops.Add(Reason(flooding.FromNonNeighbor, "lsa_from_non_neighbor"));
            drops.Add(Reason(flooding.Expired, "lsa_expired"));
            drops.Add(Reason(flooding.RefusedOverMaxOrigins, "lsa_over_max_origins"));
            foreach (var error in LsaErrors)
            {
                drops.Add(Reason(flooding.MalformedBy(error), "lsa_" + SnakeCase(error.ToString())));
            }
        }

        return drops;
    }

    private IEnumerable<Measurement<long>> ControlVerified()
    {
        if (Gateway is not { } state)
        {
            return [];
        }

        return ControlScopes(state).Select(static s => new Measurement<long>(s.Counters.Verified, new KeyValuePair<string, object?>("key", s.Key)));
    }

    private IEnumerable<Measurement<long>> ControlRejected()
    {
        if (Gateway is not { } state)
        {
            return [];
        }

        return ControlScopes(state).SelectMany(static s => Enum.GetValues<ControlFrameRejection>()
            .Where(static r => r != ControlFrameRejection.None)
            .Select(r => new Measurement<long>(s.Counters.Rejected(r), new("key", s.Key), new("reason", SnakeCase(r.ToString())))));
    }

    private static IEnumerable<(string Key, ControlPlaneCounters Counters)> ControlScopes(GatewayNode.Snapshot state)
    {
        if (state.DomainControl is { } domain)
        {
            yield return ("domain", domain);
        }

        if (state.OverlayControl is { } overlay)
        {
            yield return ("overlay", overlay);
        }
    }

    private void CreateLinks(Meter meter)
    {
        meter.CreateObservableUpDownCounter("gridcast.links.up", LinksUp, "{link}", "Overlay links up now: 1 or 0 per configured peer or upstream, and the number of accepted leaves.");
        meter.CreateObservableCounter<long>(
            "gridcast.links.frames.dropped",
            () => _gateway?.Node is { } node ? [Reason(node.PeerQueueDrops, "queue_full")] : [],
            "{frame}",
            "Frames for a peer dropped because its queue was full or its link had just gone down.");
    }

    private IEnumerable<Measurement<long>> LinksUp()
    {
        if (Gateway is not { } state)
        {
            return [];
        }

        var up = state.Neighbors.Select(static n => n.Value).ToHashSet(StringComparer.Ordinal);
        var links = new List<Measurement<long>>(_configuredPeers.Count + 1);
        foreach (var peer in _configuredPeers)
        {
            links.Add(new Measurement<long>(up.Contains(peer) ? 1 : 0, new("peer", peer), new("kind", "configured")));
        }

        links.Add(new Measurement<long>(up.Count(p => !_configuredPeers.Contains(p)), new KeyValuePair<string, object?>("kind", "leaf")));
        return links;
    }

    private void CreateAdapters(Meter meter)
    {
        meter.CreateObservableCounter("gridcast.adapter.messages.received", () => PerKind(static r => r.Total.Received), "{message}", "Messages received from the adapter's peer (publishes, deliveries).");
        meter.CreateObservableCounter("gridcast.adapter.messages.routed", () => PerKind(static r => r.Router?.Routed ?? 0), "{message}", "Received messages routed to at least one group.");
        meter.CreateObservableCounter("gridcast.adapter.messages.published", () => PerKind(static r => r.Total.Published), "{message}", "Group messages published to the adapter's peer.");
        meter.CreateObservableCounter("gridcast.adapter.messages.acknowledged", () => PerKind(static r => r.Total.Acknowledged), "{message}", "Received messages acknowledged to the peer after the hand-off to the groups.");
        meter.CreateObservableCounter("gridcast.adapter.last_values.repeated", () => PerKind(static r => r.Router?.RepeatedLastValues ?? 0), "{message}", "Retained values routed again because a last-value group wants them repeated.");
        meter.CreateObservableCounter("gridcast.adapter.reconnects", () => PerKind(static r => r.Total.Reconnects), "{connection}", "Connections to the peer made again after a loss.");
        meter.CreateObservableUpDownCounter("gridcast.adapter.connected", () => PerKind(static r => r.Running is { Connected: true } ? 1 : 0), "{connection}", "1 while the side reaches its peer (connected, or listening), else 0.");
        meter.CreateObservableCounter("gridcast.adapter.messages.dropped", AdapterDrops, "{message}", "Received messages dropped or refused, by reason (unmatched: no rule maps them).");
    }

    private IEnumerable<Measurement<long>> PerKind(Func<AdapterReading, long> read)
        => _bridge is null ? [] : _bridge.ReadAdapters().Select(r => new Measurement<long>(read(r), new KeyValuePair<string, object?>("adapter.kind", r.Kind)));

    private IEnumerable<Measurement<long>> AdapterDrops()
    {
        if (_bridge is null)
        {
            return [];
        }

        var drops = new List<Measurement<long>>();
        foreach (var reading in _bridge.ReadAdapters())
        {
            var kind = new KeyValuePair<string, object?>("adapter.kind", reading.Kind);
            drops.Add(new Measurement<long>(reading.Router?.Unmatched ?? 0, kind, new("reason", "unmatched")));
            foreach (var (reason, count) in reading.Total.Dropped)
            {
                drops.Add(new Measurement<long>(count, kind, new("reason", reason)));
            }
        }

        return drops;
    }

    private static IEnumerable<Measurement<long>> Each(long? value) => value is { } v ? [new Measurement<long>(v)] : [];
}
