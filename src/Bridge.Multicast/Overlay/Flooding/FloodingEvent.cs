using Bridge.Multicast.Overlay.Routing;

namespace Bridge.Multicast.Overlay.Flooding;

/// <summary>Something the owner of a <see cref="LinkStateFlooding"/> may act on.</summary>
public abstract record FloodingEvent;

/// <summary>
/// The database installed, replaced or removed the advertisement of <paramref name="Origin"/>;
/// when <see cref="LinkStateChange.TreesChanged"/> holds, trees must be recomputed.
/// </summary>
public sealed record DatabaseChanged(GatewayId Origin, LinkStateChange Change) : FloodingEvent;

/// <summary>
/// An advertisement of <paramref name="Origin"/>, received from neighbour <paramref name="From"/>,
/// was refused because the database already held <paramref name="MaxOrigins"/> origins
/// (<see cref="FloodingOptions.MaxOrigins"/>); it was acknowledged but neither installed nor flooded.
/// </summary>
public sealed record OriginRefused(GatewayId Origin, GatewayId From, int MaxOrigins) : FloodingEvent;
