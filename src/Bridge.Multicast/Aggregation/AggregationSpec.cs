namespace Bridge.Multicast.Aggregation;

/// <summary>
/// What a request asks of each member's reply and how the answers are combined (docs/aggregation.md).
/// Immutable once built; <see cref="Validate"/> says whether a receiver would accept it.
/// </summary>
/// <remarks>
/// A histogram has <c>HistogramBounds.Count + 1</c> buckets: bucket 0 counts values below the first
/// bound, bucket i (1 ≤ i &lt; n) values v with bound[i-1] ≤ v &lt; bound[i], and the last bucket
/// values at or above the last bound, so every finite value falls in exactly one bucket.
/// </remarks>
public sealed record AggregationSpec
{
    /// <summary>The most histogram bounds (so at most 65 buckets).</summary>
    public const int MaxHistogramBounds = 64;

    /// <summary>The most items one result collects.</summary>
    public const int MaxCollectItems = 512;

    /// <summary>The most opaque bytes, over all items, one result collects.</summary>
    public const int MaxCollectBytes = 32_768;

    /// <summary>
    /// The largest magnitude of a value. Sums are kept exactly as integers of 2^-32 units
    /// (<see cref="ValueUnits"/>); below 2^52 every value has an exact unit count and 2^40
    /// contributors cannot overflow the 128-bit sum.
    /// </summary>
    public const double MaxAbsValue = 4_503_599_627_370_496.0;

    /// <summary>The functions asked for.</summary>
    public AggregateFunctions Functions { get; init; } = AggregateFunctions.Count;

    /// <summary>Strictly ascending finite bounds; empty unless <see cref="AggregateFunctions.Histogram"/> is asked.</summary>
    public IReadOnlyList<double> HistogramBounds { get; init; } = [];

    /// <summary>The most items kept when <see cref="AggregateFunctions.Collect"/> is asked (1 to <see cref="MaxCollectItems"/>); 0 otherwise.</summary>
    public int CollectMaxItems { get; init; }

    /// <summary>The most data bytes kept over all items when collecting (1 to <see cref="MaxCollectBytes"/>); 0 otherwise.</summary>
    public int CollectMaxBytes { get; init; }

    /// <summary>Whether the result should list the ids of known members that did not answer.</summary>
    public bool WantMissingIds { get; init; }

    /// <summary>The number of histogram buckets: 0 without a histogram.</summary>
    public int BucketCount => HasHistogram ? HistogramBounds.Count + 1 : 0;

    /// <summary>Whether a histogram is asked.</summary>
    public bool HasHistogram => (Functions & AggregateFunctions.Histogram) != 0;

    /// <summary>Whether collecting is asked.</summary>
    public bool Collects => (Functions & AggregateFunctions.Collect) != 0;

    /// <summary>The bucket of <paramref name="value"/> (see the remarks); only meaningful with a histogram.</summary>
    public int BucketOf(double value)
    {
        // The number of bounds at or below the value; bounds are few (≤ 64), and a binary
        // search keeps even the largest histogram at six comparisons.
        int lo = 0, hi = HistogramBounds.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (HistogramBounds[mid] <= value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    /// <summary>Whether a receiver would accept this spec; the first broken rule, in wire order.</summary>
    public AggregationError Validate()
    {
        if ((Functions & ~AggregateFunctions.All) != 0)
        {
            return AggregationError.UnknownFunctions;
        }

        if (Functions == AggregateFunctions.None)
        {
            return AggregationError.NoFunctions;
        }

        var bounds = HistogramBounds ?? [];
        if (bounds.Count > MaxHistogramBounds)
        {
            return AggregationError.TooManyBounds;
        }

        if (HasHistogram != (bounds.Count > 0))
        {
            return AggregationError.BoundsWithoutHistogram;
        }

        if (Collects
            ? CollectMaxItems is < 1 or > MaxCollectItems || CollectMaxBytes is < 1 or > MaxCollectBytes
            : CollectMaxItems != 0 || CollectMaxBytes != 0)
        {
            return AggregationError.BadCollectLimits;
        }

        for (var i = 0; i < bounds.Count; i++)
        {
            if (!double.IsFinite(bounds[i]))
            {
                return AggregationError.NonFiniteBound;
            }

            if (i > 0 && !(bounds[i - 1] < bounds[i]))
            {
                return AggregationError.BoundsNotAscending;
            }
        }

        return AggregationError.None;
    }

    /// <summary>Throws unless <see cref="Validate"/> passes.</summary>
    /// <exception cref="ArgumentException">The spec is not valid.</exception>
    public void ThrowIfInvalid()
    {
        var error = Validate();
        if (error != AggregationError.None)
        {
            throw new ArgumentException($"The aggregation spec is not valid: {error}.");
        }
    }
}

/// <summary>
/// Values as exact integers of 2^-32 units, so that sums merge exactly in any order and any tree
/// shape (floating-point addition is not associative). A value is rounded once, when its reply is
/// first added; every later step is integer arithmetic.
/// </summary>
public static class ValueUnits
{
    /// <summary>Units per 1.0.</summary>
    public const double Scale = 4_294_967_296.0;

    /// <summary>The largest unit count of one value: <see cref="AggregationSpec.MaxAbsValue"/> × 2^32 = 2^84.</summary>
    public static readonly Int128 MaxAbsUnits = Int128.One << 84;

    /// <summary>Whether <paramref name="value"/> is finite and within <see cref="AggregationSpec.MaxAbsValue"/>.</summary>
    public static AggregationError Check(double value) =>
        !double.IsFinite(value) ? AggregationError.NonFiniteValue
        : Math.Abs(value) > AggregationSpec.MaxAbsValue ? AggregationError.ValueOutOfRange
        : AggregationError.None;

    /// <summary>The unit count of a checked value, rounded to nearest, ties to even.</summary>
    public static Int128 ToUnits(double value) => (Int128)Math.Round(value * Scale, MidpointRounding.ToEven);

    /// <summary>The value of a unit count, to the nearest double.</summary>
    public static double ToValue(Int128 units) => (double)units / Scale;
}
