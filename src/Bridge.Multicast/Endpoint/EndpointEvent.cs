using Bridge.Multicast.Aggregation;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Wire;

namespace Bridge.Multicast.Endpoint;

/// <summary>Something a <see cref="GroupEndpoint"/> tells its application; poll with <see cref="GroupEndpoint.TryPollEvent"/>.</summary>
public abstract record EndpointEvent;

/// <summary>A whole message arrived for a joined group, once per (group, source, sequence).</summary>
/// <param name="Message">The message; its payload is owned by it.</param>
public sealed record MessageReceived(GroupMessage Message) : EndpointEvent;

/// <summary>
/// A source delivered its first message to a joined group. Raised before that message's
/// <see cref="MessageReceived"/>, once per (group, source) while the group stays joined.
/// </summary>
/// <param name="Group">The group.</param>
/// <param name="SourceId">The new source.</param>
public sealed record NewSource(GroupName Group, ulong SourceId) : EndpointEvent;

/// <summary>A datagram was dropped because it is not a valid frame.</summary>
/// <param name="Reason">Why the decoder rejected it.</param>
/// <param name="Length">The datagram's length in bytes.</param>
public sealed record FrameRejected(FrameError Reason, int Length) : EndpointEvent;

/// <summary>
/// A fragmented message of which some fragments arrived was given up on. Raised once per message:
/// fragments of it that arrive later, within the reassembly timeout, are dropped as late
/// (<see cref="Fragmentation.ReassemblyCounters.LateFragments"/>) and raise nothing.
/// </summary>
/// <param name="Group">The group.</param>
/// <param name="SourceId">The sending instance.</param>
/// <param name="Sequence">The message's sequence number.</param>
/// <param name="Reason">
/// <see cref="ReasonExpired"/>, <see cref="ReasonEvicted"/>, <see cref="ReasonInconsistent"/> or
/// <see cref="ReasonTooLarge"/>.
/// </param>
public sealed record MessageLost(GroupName Group, ulong SourceId, ulong Sequence, string Reason) : EndpointEvent
{
    /// <summary>Its fragments did not all arrive within the reassembly timeout.</summary>
    public const string ReasonExpired = "expired";

    /// <summary>It was the oldest incomplete message when reassembly needed room for a new one.</summary>
    public const string ReasonEvicted = "evicted";

    /// <summary>A fragment contradicted the others, so none of them can be trusted.</summary>
    public const string ReasonInconsistent = "inconsistent";

    /// <summary>
    /// Its announced length is above the reassembly's byte bound
    /// (<see cref="Fragmentation.ReassemblyOptions.MaxBufferedBytes"/>), so it was refused at its first fragment.
    /// </summary>
    public const string ReasonTooLarge = "too large";
}

/// <summary>
/// A Request frame arrived for a joined group (docs/wire-format.md §5.1.5): a source asks the
/// members for a reply. Raised once per (group, source, sequence) while the group stays joined.
/// </summary>
/// <param name="Group">The group asked.</param>
/// <param name="SourceId">The requester's source id.</param>
/// <param name="Request">The decoded request.</param>
public sealed record RequestReceived(GroupName Group, ulong SourceId, AggregationRequest Request) : EndpointEvent;

/// <summary>
/// A Reply frame arrived for a joined group, or one whose replies are listened for
/// (docs/wire-format.md §5.1.7). Not de-duplicated: the aggregator counts each member once.
/// </summary>
/// <param name="Group">The group the request went to.</param>
/// <param name="SourceId">The replying member's source id (from the frame header).</param>
/// <param name="Reply">The decoded reply.</param>
public sealed record ReplyReceived(GroupName Group, ulong SourceId, Reply Reply) : EndpointEvent;

/// <summary>
/// A PartialAggregate frame arrived for a joined or listened group: a gateway of this domain
/// sends its overlay subtree's aggregate to the source of a request (docs/wire-format.md §5.1.6).
/// Not de-duplicated: the aggregator takes one partial per gateway and request.
/// </summary>
/// <param name="Group">The group the request went to.</param>
/// <param name="SourceId">The sending gateway's source id (from the frame header).</param>
/// <param name="Partial">The decoded partial.</param>
public sealed record PartialReceived(GroupName Group, ulong SourceId, PartialAggregate Partial) : EndpointEvent;

/// <summary>A Request, Reply or PartialAggregate frame was valid as a frame, but its payload did not decode; it was dropped and counted.</summary>
/// <param name="Group">The frame's group.</param>
/// <param name="SourceId">The sender.</param>
/// <param name="Type"><see cref="FrameType.Request"/>, <see cref="FrameType.Reply"/> or <see cref="FrameType.PartialAggregate"/>.</param>
/// <param name="Reason">The codec's reason.</param>
public sealed record PayloadRejected(GroupName Group, ulong SourceId, FrameType Type, AggregationError Reason) : EndpointEvent;

/// <summary>
/// A Request, Reply or PartialAggregate frame of a joined (or listened) group failed the domain
/// key's checks and was dropped (docs/security.md, "Control plane").
/// </summary>
/// <param name="Group">The group.</param>
/// <param name="SourceId">The sender it claims to be.</param>
/// <param name="Type">Its frame type.</param>
/// <param name="Reason">The first check it failed.</param>
public sealed record ControlFrameRefused(GroupName Group, ulong SourceId, FrameType Type, Security.ControlPlane.ControlFrameRejection Reason) : EndpointEvent;

/// <summary>
/// A Data frame of a secured group refused by its protection (docs/security.md): forged or
/// altered, made with a key that is unknown or outside its validity, or replayed, re-ordered
/// beyond the window, stale. Counted in <see cref="GroupEndpointCounters.Security"/>.
/// </summary>
/// <param name="Group">The group (joined) the frame named.</param>
/// <param name="SourceId">The source id the frame claims; not to be trusted, since the frame was refused.</param>
/// <param name="Sequence">The sequence number the frame claims.</param>
/// <param name="Reason">Why it was refused.</param>
/// <param name="Length">The datagram's length in bytes.</param>
public sealed record SecurityRejected(GroupName Group, ulong SourceId, ulong Sequence, Security.SecurityRejection Reason, int Length) : EndpointEvent;
