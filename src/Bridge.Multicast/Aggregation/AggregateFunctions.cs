namespace Bridge.Multicast.Aggregation;

/// <summary>
/// The functions a request asks for, one bit each (docs/aggregation.md). Every partial carries
/// the count, the sum, the minimum and the maximum whatever the request asked, because they are
/// cheap and fixed in size; the bits decide what the head-end shows and whether the histogram and
/// the collected items are kept at all.
/// </summary>
[Flags]
public enum AggregateFunctions : byte
{
    /// <summary>No function; not a valid request.</summary>
    None = 0,

    /// <summary>The number of members that answered.</summary>
    Count = 0x01,

    /// <summary>The sum of the values.</summary>
    Sum = 0x02,

    /// <summary>The smallest value.</summary>
    Min = 0x04,

    /// <summary>The largest value.</summary>
    Max = 0x08,

    /// <summary>The mean, derived at the end as sum / count, never as a mean of means.</summary>
    Mean = 0x10,

    /// <summary>Counts per bucket of <see cref="AggregationSpec.HistogramBounds"/>.</summary>
    Histogram = 0x20,

    /// <summary>Each reply's opaque bytes, bounded by <see cref="AggregationSpec.CollectMaxItems"/> and <see cref="AggregationSpec.CollectMaxBytes"/>.</summary>
    Collect = 0x40,

    /// <summary>Every bit this version defines.</summary>
    All = Count | Sum | Min | Max | Mean | Histogram | Collect,
}
