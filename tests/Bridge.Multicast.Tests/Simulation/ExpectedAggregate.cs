using Bridge.Multicast.Aggregation;
using Bridge.Simulation.Scenarios;

namespace Bridge.Multicast.Tests.Simulation;

/// <summary>
/// The exact aggregate a set of <see cref="UtilityGrid"/> domains must produce for one request,
/// computed from the devices' readings alone (<see cref="UtilityGrid.Readings"/>), in integer
/// quarter units, with none of the aggregation code: so a test compares the network's answer with
/// an independent one.
/// </summary>
internal sealed class ExpectedAggregate
{
    private ExpectedAggregate(ulong count, Int128 sumUnits, double min, double max, ulong[] histogram)
    {
        Count = count;
        SumUnits = sumUnits;
        Min = min;
        Max = max;
        Histogram = histogram;
    }

    public ulong Count { get; }

    /// <summary>The sum in the aggregator's units of 2^-32: a quarter is 2^30 of them.</summary>
    public Int128 SumUnits { get; }

    public double Min { get; }

    public double Max { get; }

    public IReadOnlyList<ulong> Histogram { get; }

    /// <summary>Every device of <paramref name="domains"/> answering <paramref name="requestId"/> once.</summary>
    public static ExpectedAggregate Of(UtilityGrid grid, ulong requestId, IReadOnlyList<double> bounds, IEnumerable<GridDomain> domains)
    {
        ulong count = 0;
        long quarters = 0;
        var minQuarters = long.MaxValue;
        var maxQuarters = long.MinValue;
        var histogram = new ulong[bounds.Count + 1];
        foreach (var domain in domains)
        {
            if (domain.Swarm is not { } swarm)
            {
                continue;
            }

            for (var k = 0UL; k < (ulong)swarm.Count; k++)
            {
                var q = grid.Readings.Quarters(requestId, swarm.FirstMemberId + k);
                count++;
                quarters += q;
                minQuarters = Math.Min(minQuarters, q);
                maxQuarters = Math.Max(maxQuarters, q);

                // Bucket i holds values from bound i-1 up to, not including, bound i.
                var bucket = 0;
                while (bucket < bounds.Count && q / 4.0 >= bounds[bucket])
                {
                    bucket++;
                }

                histogram[bucket]++;
            }
        }

        return count == 0
            ? new ExpectedAggregate(0, 0, 0, 0, histogram)
            : new ExpectedAggregate(count, (Int128)quarters << 30, minQuarters / 4.0, maxQuarters / 4.0, histogram);
    }

    /// <summary>Count, exact sum, min, max and every bucket are those of <paramref name="result"/>.</summary>
    public void AssertEqual(PartialAggregate result)
    {
        Assert.Equal(Count, result.Contributors);
        Assert.Equal(SumUnits, result.SumUnits);
        Assert.Equal(Min, result.Min);
        Assert.Equal(Max, result.Max);
        Assert.Equal(Histogram, result.Histogram);
    }
}
