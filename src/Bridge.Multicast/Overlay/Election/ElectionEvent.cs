using Bridge.Multicast.Naming;
using Bridge.Multicast.Overlay.Routing;

namespace Bridge.Multicast.Overlay.Election;

/// <summary>Something a <see cref="DesignatedGatewayElection"/> tells its driver; poll with <see cref="DesignatedGatewayElection.TryPollEvent"/>.</summary>
public abstract record ElectionEvent;

/// <summary>This gateway now forwards <paramref name="Group"/> for its domain.</summary>
/// <param name="Group">The group, as given to <see cref="DesignatedGatewayElection.Serve"/>.</param>
public sealed record BecameDesignated(GroupName Group) : ElectionEvent;

/// <summary>
/// This gateway no longer forwards <paramref name="Group"/>: another gateway is designated now,
/// or this one stopped serving the group. Follows each <see cref="BecameDesignated"/> exactly once.
/// </summary>
/// <param name="Group">The group.</param>
/// <param name="Successor">The gateway designated now, as far as this one knows; null when no other live gateway serves the group.</param>
public sealed record StoodDown(GroupName Group, GatewayId? Successor) : ElectionEvent;

/// <summary>A gateway of the domain was heard for the first time, or again after it was counted dead.</summary>
/// <param name="Peer">The gateway.</param>
public sealed record PeerUp(GatewayId Peer) : ElectionEvent;

/// <summary>A gateway of the domain sent no hello within the hold time it announced: it counts as dead.</summary>
/// <param name="Peer">The gateway.</param>
public sealed record PeerDown(GatewayId Peer) : ElectionEvent;

/// <summary>A hello was dropped because it is malformed.</summary>
/// <param name="Reason">Why the decoder rejected it.</param>
/// <param name="Length">Its length in bytes.</param>
public sealed record HelloRejected(HelloError Reason, int Length) : ElectionEvent;
