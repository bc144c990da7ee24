using Bridge.Multicast.Aggregation;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Transports;

namespace Bridge.Multicast;

/// <summary>
/// A request a source sent to a group this socket joined (the reverse channel,
/// docs/aggregation.md): answer it with <see cref="MulticastSocket.ReplyAsync"/>.
/// </summary>
/// <param name="Group">The group asked.</param>
/// <param name="SourceId">The requesting source.</param>
/// <param name="Request">The request: its id, spec and the budget left for this domain.</param>
/// <param name="Interface">The interface it arrived on; the reply goes back into that domain only.</param>
public sealed record IncomingRequest(GroupName Group, ulong SourceId, AggregationRequest Request, InterfaceId Interface);
