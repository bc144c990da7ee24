using Bridge.Multicast.Endpoint.Reliability;
using Bridge.Multicast.Naming;

namespace Bridge.Multicast.Endpoint;

/// <summary>
/// Messages of a reliable group that will not arrive: the source cannot repair them, or did not
/// answer, or the receiver fell too far behind (docs/reliability.md). Raised once per range, in
/// the order the ranges were given up; counted in <see cref="ReliabilityCounters.UnrecoverableMessages"/>.
/// </summary>
/// <param name="Group">The group.</param>
/// <param name="SourceId">The source whose messages are lost.</param>
/// <param name="First">The first lost sequence number.</param>
/// <param name="Last">The last lost sequence number (equal to <paramref name="First"/> for one message).</param>
/// <param name="Reason"><see cref="ReasonNotCached"/>, <see cref="ReasonNoAnswer"/> or <see cref="ReasonTooFarBehind"/>.</param>
public sealed record UnrecoverableLoss(GroupName Group, ulong SourceId, ulong First, ulong Last, string Reason) : EndpointEvent
{
    /// <summary>The source answered that its repair cache no longer holds them.</summary>
    public const string ReasonNotCached = "not cached";

    /// <summary>No repair came after <see cref="ReliableGroupOptions.MaxNackTries"/> rounds of NACKs: the source is gone or unreachable.</summary>
    public const string ReasonNoAnswer = "no answer";

    /// <summary>More numbers were missing at once than <see cref="ReliableGroupOptions.MaxMissing"/> lets a receiver track.</summary>
    public const string ReasonTooFarBehind = "too far behind";

    /// <summary>How many messages the range holds.</summary>
    public ulong Count => Last - First + 1;
}

/// <summary>
/// A receiver NACKed numbers this endpoint sends in a reliable group. Drivers that can answer one
/// receiver alone (<see cref="Transmit.UnicastTo"/>) learn here where the requester is.
/// </summary>
/// <param name="Group">The group.</param>
/// <param name="RequesterId">The NACKing receiver's source id.</param>
public sealed record RepairRequested(GroupName Group, ulong RequesterId) : EndpointEvent;
