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
/// <paramref name="Reason"/> says what was wrong. Each is also counted in <see cref="GatewayCounters"/>.
/// </summary>
public sealed record InputRejected(GatewayId? From, string Reason) : GatewayEvent;
