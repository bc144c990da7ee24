using MathNet.Numerics.Distributions;
using MathNet.Numerics.Statistics;

namespace Bridge.Lab.Measurement;

/// <summary>
/// Summary of a sample: mean, sample standard deviation, 95 % confidence interval of the mean,
/// minimum, maximum and percentiles.
/// </summary>
/// <remarks>
/// Percentiles interpolate linearly between the two nearest ranks (Hyndman and Fan's definition
/// 7, the default of R and NumPy): the p-quantile of n sorted values lies at position p · (n − 1).
/// </remarks>
/// <param name="Count">Number of values.</param>
/// <param name="Mean">Arithmetic mean.</param>
/// <param name="StandardDeviation">Sample standard deviation (divisor n − 1); 0 for one value.</param>
/// <param name="ConfidenceHalfWidth95">
/// Half the width of the 95 % confidence interval of the mean, t(0.975, n − 1) · s / √n with
/// Student's t, since the samples here (tens of links or receivers) are too small for the normal
/// 1.96; 0 for one value.
/// </param>
/// <param name="Min">Smallest value.</param>
/// <param name="Max">Largest value.</param>
/// <param name="Median">The 0.5-quantile.</param>
/// <param name="P95">The 0.95-quantile.</param>
/// <param name="P99">The 0.99-quantile.</param>
public sealed record Statistics(int Count, double Mean, double StandardDeviation, double ConfidenceHalfWidth95, double Min, double Max, double Median, double P95, double P99)
{
    /// <summary>Lower end of the 95 % confidence interval of the mean.</summary>
    public double ConfidenceLow95 => Mean - ConfidenceHalfWidth95;

    /// <summary>Upper end of the 95 % confidence interval of the mean.</summary>
    public double ConfidenceHigh95 => Mean + ConfidenceHalfWidth95;

    /// <summary>Summarises a non-empty sample.</summary>
    public static Statistics Of(IEnumerable<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var sample = values.ToArray();
        if (sample.Length == 0)
        {
            throw new ArgumentException("a sample needs at least one value", nameof(values));
        }

        Array.Sort(sample);
        var mean = sample.Average();
        var (median, p95, p99) = (Quantile(sample, 0.5), Quantile(sample, 0.95), Quantile(sample, 0.99));
        if (sample.Length == 1)
        {
            return new Statistics(1, mean, 0, 0, mean, mean, median, p95, p99);
        }

        // Two passes (mean first, then squared deviations) rather than a running sum of squares,
        // which loses precision when the values are large and close together.
        var sumOfSquares = sample.Sum(v => (v - mean) * (v - mean));
        var sd = Math.Sqrt(sumOfSquares / (sample.Length - 1));
        var t = StudentT.InvCDF(0, 1, sample.Length - 1, 0.975);
        return new Statistics(sample.Length, mean, sd, t * sd / Math.Sqrt(sample.Length), sample[0], sample[^1], median, p95, p99);
    }

    private static double Quantile(double[] sorted, double p) =>
        SortedArrayStatistics.QuantileCustom(sorted, p, QuantileDefinition.R7);

    /// <summary>The <paramref name="p"/>-quantile of a non-empty sample, by the same definition as <see cref="Median"/> (for box plots' quartiles).</summary>
    public static double Quantile(IEnumerable<double> values, double p)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfLessThan(p, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(p, 1);
        var sample = values.ToArray();
        if (sample.Length == 0)
        {
            throw new ArgumentException("a sample needs at least one value", nameof(values));
        }

        Array.Sort(sample);
        return Quantile(sample, p);
    }

    /// <summary>Summarises a non-empty sample of integers.</summary>
    public static Statistics Of(IEnumerable<int> values) => Of(values.Select(v => (double)v));
}
