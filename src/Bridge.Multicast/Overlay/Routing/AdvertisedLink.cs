namespace Bridge.Multicast.Overlay.Routing;

/// <summary>
/// One overlay link as its advertising gateway sees it: the peer at the other end and the
/// measured round-trip time, in microseconds, which is the link's routing cost.
/// </summary>
/// <param name="Neighbor">The gateway at the other end of the link.</param>
/// <param name="CostMicroseconds">The measured round-trip time; at least 1 (see remarks).</param>
/// <remarks>
/// A cost of zero is refused: with strictly positive costs every parent on a shortest path is
/// strictly nearer the source than its child, which is what keeps the tie-break of
/// <see cref="ShortestPathTrees"/> loop-free. A measured RTT below one microsecond is reported as 1.
/// </remarks>
public readonly record struct AdvertisedLink(GatewayId Neighbor, uint CostMicroseconds);
