namespace Bridge.Multicast.Overlay.Gateway.Timers;

/// <summary>
/// The timers of an <see cref="OverlayGateway"/>, one slot each in its <see cref="GatewayTimerTable"/>.
/// Each belongs to one sub-machine, which alone sets and stops it; the gateway reads the table to
/// answer <see cref="OverlayGateway.PollTimeout"/> and hands each expired slot to its owner.
/// </summary>
internal enum GatewayTimer
{
    /// <summary>The next deadline of the link-state flooding (refresh, retransmit, age); transit gateways only.</summary>
    Flooding,

    /// <summary>The next deadline of the designated-gateway election (hello, startup wait, peer expiry).</summary>
    Election,

    /// <summary>A leaf's return to its preferred upstream: the earliest group the upstream it came back from lets go of (<see cref="Upstreams.UpstreamSelection"/>).</summary>
    UpstreamReturn,

    /// <summary>The earliest end of a make-before-break handover (<see cref="Handover.DesignatedHandover"/>).</summary>
    HandoverEnd,

    /// <summary>The earliest expiry of a domain member's report (<see cref="Membership.DomainMembership"/>).</summary>
    MemberExpiry,

    /// <summary>The oldest copy held back during a handover is due (<see cref="Forwarding.GatewayForwarding"/>).</summary>
    HeldDelivery,

    /// <summary>Duplicate suppression forgets idle sources (<see cref="Forwarding.GatewayForwarding"/>); always armed.</summary>
    SourceSweep,

    /// <summary>The aggregator's next deadline: a request's partial due, a late-only update, a finished request to forget (<see cref="Aggregation.GatewayAggregation"/>).</summary>
    Aggregation,
}
