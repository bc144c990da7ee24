namespace Bridge.Multicast.Overlay.Gateway;

/// <summary>What an <see cref="OverlayGateway"/> has done, for metrics and tests.</summary>
public sealed class GatewayCounters
{
    private long[] _rejected = new long[GatewayRejections.All.Count];

    /// <summary>Data frames taken from the domain into the overlay (this gateway as ingress).</summary>
    public long NativeIngress { get; internal set; }

    /// <summary>Data frames from the domain dropped because another gateway of the domain is designated for the group.</summary>
    public long NativeStandby { get; internal set; }

    /// <summary>Frames from the domain with the Relayed flag, which a gateway sent there; never carried out again.</summary>
    public long NativeRelayedIgnored { get; internal set; }

    /// <summary>Data frames from the domain for groups this gateway does not carry.</summary>
    public long NativeNotCarried { get; internal set; }

    /// <summary>Frames from the domain heard already (by (group, source, sequence, fragment)).</summary>
    public long NativeDuplicates { get; internal set; }

    /// <summary>Datagrams from the domain that were not valid frames.</summary>
    public long NativeMalformed { get; internal set; }

    /// <summary>Control frames from the domain (hellos, member reports) refused by the domain key's checks: forged, untagged, stale or replayed.</summary>
    public long NativeUnauthenticated { get; internal set; }

    /// <summary>Frames from the domain of other types than Data and the control group's hellos.</summary>
    public long NativeUnsupported { get; internal set; }

    /// <summary>Member reports heard from the domain (with learning on).</summary>
    public long MemberReports { get; internal set; }

    /// <summary>Relay frames accepted from peers.</summary>
    public long RelaysReceived { get; internal set; }

    /// <summary>Relay frames from peers heard already: the safety net caught a copy.</summary>
    public long RelayDuplicates { get; internal set; }

    /// <summary>Relay frames that arrived from another peer than the tree's parent (while trees settle).</summary>
    public long RelaysOffTree { get; internal set; }

    /// <summary>Relay frames sent to peers (one per copy).</summary>
    public long RelaysSent { get; internal set; }

    /// <summary>Frames sent into the domain from the overlay.</summary>
    public long DomainDeliveries { get; internal set; }

    /// <summary>Frames from the overlay not sent into the domain because it had them already (from another gateway of the domain, during a handover).</summary>
    public long DomainDuplicates { get; internal set; }

    /// <summary>Requests heard in the domain that entered the overlay here (this gateway as the ingress of the reverse channel).</summary>
    public long RequestIngress { get; internal set; }

    /// <summary>Requests heard in the domain for a group nobody beyond the domain wants: the source has every answer, nothing is held.</summary>
    public long RequestsWithoutChildren { get; internal set; }

    /// <summary>Relays of Request frames from peers.</summary>
    public long RequestRelaysReceived { get; internal set; }

    /// <summary>Relays of Request frames sent to children (one per copy).</summary>
    public long RequestRelaysSent { get; internal set; }

    /// <summary>Requests from the overlay sent into the domain, where the members answer this gateway.</summary>
    public long RequestsDelivered { get; internal set; }

    /// <summary>Replies heard in the domain for a request this gateway is the ingress of: the source in the domain counts them, not this gateway.</summary>
    public long RepliesForSource { get; internal set; }

    /// <summary>PartialAggregate frames from child peers that decoded (the aggregator's counters say what became of them).</summary>
    public long PartialsReceived { get; internal set; }

    /// <summary>PartialAggregate frames sent to parent peers.</summary>
    public long PartialsToPeers { get; internal set; }

    /// <summary>PartialAggregate frames sent into the domain, to the source of a request this gateway is the ingress of.</summary>
    public long PartialsToDomain { get; internal set; }

    /// <summary>Frames from peers that were malformed or not allowed from that kind of peer.</summary>
    public long PeerRejected { get; internal set; }

    /// <summary>Frames from a gateway that is not (or no longer) a peer.</summary>
    public long UnknownPeer { get; internal set; }

    /// <summary>
    /// Inputs refused for <paramref name="reason"/>. Each refusal also adds to the summary counter
    /// <see cref="GatewayRejections.SummaryOf"/> names (<see cref="NativeMalformed"/>,
    /// <see cref="NativeUnauthenticated"/>, <see cref="PeerRejected"/> or <see cref="UnknownPeer"/>).
    /// </summary>
    public long Rejected(GatewayRejection reason) => (uint)reason < (uint)_rejected.Length ? _rejected[(int)reason] : 0;

    /// <summary>A copy of the counters as they are now, for readers on other threads.</summary>
    public GatewayCounters Copy()
    {
        var copy = (GatewayCounters)MemberwiseClone();
        copy._rejected = (long[])_rejected.Clone();
        return copy;
    }

    /// <summary>Counts one refusal under its reason and its summary counter.</summary>
    internal void CountRejection(GatewayRejection reason)
    {
        _rejected[(int)reason]++;
        switch (GatewayRejections.SummaryOf(reason))
        {
            case nameof(NativeMalformed):
                NativeMalformed++;
                break;
            case nameof(PeerRejected):
                PeerRejected++;
                break;
            case nameof(UnknownPeer):
                UnknownPeer++;
                break;
            case nameof(NativeUnauthenticated):
                NativeUnauthenticated++;
                break;
        }
    }
}
