using Bridge.Multicast.Aggregation;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Overlay.Routing;

namespace Bridge.Multicast.Overlay.Gateway;

/// <summary>Something an <see cref="OverlayGateway"/> reports to its driver, for logs and metrics.</summary>
public abstract record GatewayEvent;

/// <summary>This gateway became, or stopped being, the designated gateway of <paramref name="Group"/> in its domain.</summary>
public sealed record DesignationChanged(GroupName Group, bool Designated, GatewayId? Successor) : GatewayEvent;

/// <summary>Another gateway of the domain appeared or fell silent.</summary>
public sealed record DomainPeerChanged(GatewayId Peer, bool Up) : GatewayEvent;

/// <summary>The groups this gateway advertises (or, on a leaf, asks its upstream for) changed.</summary>
public sealed record InterestChanged(IReadOnlyList<GroupName> Groups) : GatewayEvent;

/// <summary>The link-state database changed; trees are recomputed on the next frame.</summary>
public sealed record TopologyChanged(GatewayId Origin, int Gateways) : GatewayEvent;

/// <summary>
/// Input was refused: <paramref name="From"/> names the overlay peer, or is null for the domain;
/// <paramref name="Reason"/> says what was wrong, and <paramref name="Cause"/>, where there is one,
/// the codec's own reason (a <see cref="Wire.FrameError"/>, <see cref="Election.HelloError"/> or
/// <see cref="RelayError"/>) or the <see cref="Wire.FrameType"/> that was not expected. Each is also
/// counted under its reason (<see cref="GatewayCounters.Rejected"/>). Drivers render it in their
/// logs; the state machine builds no text.
/// </summary>
public sealed record InputRejected(GatewayId? From, GatewayRejection Reason, Enum? Cause = null) : GatewayEvent;

/// <summary>
/// A leaf now sends to, and asks for its groups, upstream <paramref name="Upstream"/> (null: none is
/// up) instead of <paramref name="Previous"/>. <paramref name="KeepsPrevious"/>: a return to the
/// preferred upstream, make-before-break; <see cref="UpstreamReturnEnded"/> follows.
/// </summary>
public sealed record UpstreamChanged(GatewayId? Previous, GatewayId? Upstream, bool KeepsPrevious) : GatewayEvent;

/// <summary>
/// A leaf's return to its preferred upstream <paramref name="Upstream"/> ended after
/// <paramref name="Duration"/>: <paramref name="Previous"/>, the upstream it came back from, is no
/// longer asked for anything. <paramref name="Confirmed"/> groups were delivered by the preferred
/// upstream meanwhile; <paramref name="Unconfirmed"/> were not (they saw no traffic, or
/// <paramref name="How"/> says what cut the return short).
/// </summary>
public sealed record UpstreamReturnEnded(GatewayId Previous, GatewayId Upstream, int Confirmed, int Unconfirmed, TimeSpan Duration, UpstreamReturnEnd How) : GatewayEvent;

/// <summary>Why a leaf's return to its preferred upstream ended.</summary>
public enum UpstreamReturnEnd
{
    /// <summary>The preferred upstream delivered every group the leaf wants.</summary>
    Confirmed,

    /// <summary><see cref="GatewayOptions.UpstreamReturnTime"/> passed with groups unconfirmed; the previous upstream was released anyway.</summary>
    TimedOut,

    /// <summary>The link to the previous upstream went down.</summary>
    PreviousDown,

    /// <summary>The link to the preferred upstream went down; the leaf uses the previous one again.</summary>
    PreferredDown,
}

/// <summary>
/// The gateway's aggregator dropped an input for a reason that points at a fault (docs/aggregation.md,
/// "Rejections"): a request refused, a partial from a gateway that is no expected child, one that
/// does not fit its request, a reply that does not decode. Counted in
/// <see cref="OverlayGateway.Aggregation"/> too.
/// </summary>
public sealed record AggregationRejected(AggregationInputRejected Rejection) : GatewayEvent;
