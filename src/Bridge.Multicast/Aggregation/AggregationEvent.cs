using Bridge.Multicast.Overlay.Routing;

namespace Bridge.Multicast.Aggregation;

/// <summary>Something a <see cref="RequestAggregator"/> tells its driver; poll with <see cref="RequestAggregator.TryPollEvent"/>.</summary>
public abstract record AggregationEvent;

/// <summary>At the source: the final result of a request, once, when every child and known member answered or at the deadline.</summary>
/// <param name="Result">The aggregate; <see cref="PartialAggregate.Mean"/> and the other derived values are read from it.</param>
/// <param name="AtDeadline">Whether the deadline ended it rather than every expected answer.</param>
public sealed record AggregationCompleted(PartialAggregate Result, bool AtDeadline) : AggregationEvent;

/// <summary>At the source, after the result: late input arrived, and the late count is now <paramref name="Late"/>. Never changes the values already reported.</summary>
/// <param name="RequestId">The request.</param>
/// <param name="Late">The late count, cumulative: the result's late count plus all that arrived since.</param>
public sealed record LateAfterResult(ulong RequestId, ulong Late) : AggregationEvent;

/// <summary>An input was dropped for a reason that points at a fault (<see cref="AggregationDropReasons.IsRaised"/>).</summary>
/// <param name="Reason">Why.</param>
/// <param name="Error">For <see cref="AggregationDropReason.Malformed"/> and <see cref="AggregationDropReason.InvalidReply"/>, what the decoder or check found; otherwise None.</param>
/// <param name="RequestId">The request, when known.</param>
/// <param name="From">The child gateway a partial came from, when it was one.</param>
public sealed record AggregationInputRejected(AggregationDropReason Reason, AggregationError Error, ulong? RequestId, GatewayId? From) : AggregationEvent;

/// <summary>A partial for this node's parent; poll with <see cref="RequestAggregator.TryPollPartial"/>.</summary>
/// <param name="Parent">Where to send it.</param>
/// <param name="Partial">The aggregate, or a late-only update (<see cref="PartialAggregate.IsLateUpdate"/>).</param>
public readonly record struct OutgoingPartial(GatewayId Parent, PartialAggregate Partial);
