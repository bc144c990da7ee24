namespace Bridge.Multicast.Aggregation;

/// <summary>
/// Why a <see cref="RequestAggregator"/> did not fold an input into a result. Each is counted
/// (<see cref="AggregationCounters.DroppedBy"/>); the ones that point at a fault are also raised
/// as <see cref="AggregationInputRejected"/> (see <see cref="AggregationDropReasons.IsRaised"/>).
/// </summary>
public enum AggregationDropReason
{
    /// <summary>The bytes did not decode; the <see cref="AggregationError"/> says why.</summary>
    Malformed = 0,

    /// <summary>A reply built in code is not valid (value not finite or out of range, data too long).</summary>
    InvalidReply,

    /// <summary>A reply, partial or late update for a request this node does not hold (never had, or forgotten after its linger). Counted only.</summary>
    UnknownRequest,

    /// <summary>A request this node already holds (a retransmission). Counted only.</summary>
    DuplicateRequest,

    /// <summary>A new request while <see cref="AggregatorOptions.MaxRequests"/> are in progress.</summary>
    TooManyRequests,

    /// <summary>A request whose budget does not exceed this gateway's <see cref="AggregatorOptions.HopMargin"/>: its partial could not arrive in time.</summary>
    BudgetTooSmall,

    /// <summary>A second reply from the same member. Counted only.</summary>
    DuplicateReply,

    /// <summary>A reply after this node's partial was sent: counted as late, not folded. Counted only.</summary>
    LateReply,

    /// <summary>A second partial from the same child. Counted only.</summary>
    DuplicatePartial,

    /// <summary>A child's partial after this node's partial was sent: its contributors counted as late. Counted only.</summary>
    LatePartial,

    /// <summary>A partial from a gateway that is not an expected child of this request.</summary>
    UnknownChild,

    /// <summary>A partial that does not fit the request's spec (bucket count, items without collect) or would overflow the contributor limit.</summary>
    SpecMismatch,
}

/// <summary>Which drop reasons are raised as events.</summary>
public static class AggregationDropReasons
{
    /// <summary>
    /// Whether <paramref name="reason"/> is raised as an event: faults are, while duplicates,
    /// lateness and input for forgotten requests are normal in a lossy, retransmitting network
    /// and would flood the driver, so they are only counted.
    /// </summary>
    public static bool IsRaised(AggregationDropReason reason) => reason is not (
        AggregationDropReason.UnknownRequest or AggregationDropReason.DuplicateRequest or AggregationDropReason.DuplicateReply
        or AggregationDropReason.LateReply or AggregationDropReason.DuplicatePartial or AggregationDropReason.LatePartial);
}
