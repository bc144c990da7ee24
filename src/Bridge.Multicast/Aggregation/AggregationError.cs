namespace Bridge.Multicast.Aggregation;

/// <summary>
/// Why a codec of the reverse channel (<see cref="AggregationRequestCodec"/>,
/// <see cref="ReplyCodec"/>, <see cref="PartialAggregateCodec"/>) did not return a value, or why a
/// value built in code is not valid. The decoders check in the order of the layout, so the first
/// broken field names the reason (docs/wire-format.md §5.1.5 to §5.1.7).
/// </summary>
public enum AggregationError
{
    /// <summary>No error.</summary>
    None = 0,

    /// <summary>The input ends before a field, or before the bytes a count or length announces.</summary>
    Truncated,

    /// <summary>Bytes follow the last field.</summary>
    TrailingBytes,

    /// <summary>The input is longer than the largest valid payload of its kind.</summary>
    TooLarge,

    /// <summary>The version byte is not 1.</summary>
    UnsupportedVersion,

    /// <summary>A flag bit is set that this version does not define.</summary>
    UnknownFlags,

    /// <summary>A function bit is set that this version does not define.</summary>
    UnknownFunctions,

    /// <summary>A request asks for no function at all.</summary>
    NoFunctions,

    /// <summary>A histogram without bounds, or bounds without a histogram.</summary>
    BoundsWithoutHistogram,

    /// <summary>More histogram bounds than <see cref="AggregationSpec.MaxHistogramBounds"/>.</summary>
    TooManyBounds,

    /// <summary>A histogram bound is NaN or infinite.</summary>
    NonFiniteBound,

    /// <summary>The histogram bounds are not strictly ascending.</summary>
    BoundsNotAscending,

    /// <summary>Collect limits that are zero with collect asked, non-zero without it, or above the maxima.</summary>
    BadCollectLimits,

    /// <summary>The budget is zero, not whole milliseconds, or above <see cref="AggregationRequest.MaxBudget"/>.</summary>
    BadBudget,

    /// <summary>A value (a reply's, a collected item's, a partial's minimum or maximum) is NaN or infinite.</summary>
    NonFiniteValue,

    /// <summary>A value's magnitude is above <see cref="AggregationSpec.MaxAbsValue"/>.</summary>
    ValueOutOfRange,

    /// <summary>A partial's bucket count is neither 0 nor 2 to <see cref="AggregationSpec.MaxHistogramBounds"/> + 1.</summary>
    BadBucketCount,

    /// <summary>A partial's histogram counts do not add up to its contributors.</summary>
    HistogramCountMismatch,

    /// <summary>A partial with contributors has its minimum above its maximum.</summary>
    MinAboveMax,

    /// <summary>A partial without contributors has a non-zero sum, minimum or maximum.</summary>
    ValuesWithoutContributors,

    /// <summary>More contributors than <see cref="PartialAggregate.MaxContributors"/>, or a listed count above its total.</summary>
    CountOutOfRange,

    /// <summary>A partial's sum is larger than its contributors could make it.</summary>
    SumOutOfRange,

    /// <summary>A gateway id length is 0 or above <see cref="PartialAggregate.MaxGatewayIdLength"/>.</summary>
    BadGatewayIdLength,

    /// <summary>A gateway id is not valid UTF-8.</summary>
    GatewayIdNotUtf8,

    /// <summary>More missing subtrees listed than <see cref="PartialAggregate.MaxListedSubtrees"/>.</summary>
    TooManyMissingSubtrees,

    /// <summary>More missing member ids listed than <see cref="PartialAggregate.MaxListedMissingIds"/>.</summary>
    TooManyMissingIds,

    /// <summary>More collected items than <see cref="AggregationSpec.MaxCollectItems"/>, or more item bytes than <see cref="AggregationSpec.MaxCollectBytes"/>.</summary>
    TooManyItems,

    /// <summary>A list (missing subtrees, missing ids, collected items) is not in strictly ascending order.</summary>
    NotAscending,

    /// <summary>Collected items and overflow together exceed the contributors.</summary>
    CollectExceedsContributors,

    /// <summary>A partial whose membership is known claims more contributors and missing members than it has members.</summary>
    ContributorsExceedMembers,

    /// <summary>A late-only update carries more than its late count.</summary>
    LateUpdateWithContent,
}
