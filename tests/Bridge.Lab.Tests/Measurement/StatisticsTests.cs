using Bridge.Lab.Measurement;

namespace Bridge.Lab.Tests.Measurement;

public sealed class StatisticsTests
{
    [Fact]
    public void Of_OneToFive_MatchesHandComputedValues()
    {
        // mean 3; s² = (4 + 1 + 0 + 1 + 4) / 4 = 2.5; t(0.975, 4) = 2.776445;
        // half width = 2.776445 · √2.5 / √5 = 2.776445 · 0.707107 = 1.963243.
        var s = Statistics.Of([1.0, 2, 3, 4, 5]);

        Assert.Equal(5, s.Count);
        Assert.Equal(3, s.Mean, 12);
        Assert.Equal(Math.Sqrt(2.5), s.StandardDeviation, 12);
        Assert.Equal(1.963243, s.ConfidenceHalfWidth95, 5);
        Assert.Equal(3 - 1.963243, s.ConfidenceLow95, 5);
        Assert.Equal(3 + 1.963243, s.ConfidenceHigh95, 5);
        Assert.Equal((1.0, 5.0), (s.Min, s.Max));
        // Definition 7: position p · 4; 0.95 → 3.8 → 4 + 0.8 · (5 − 4); 0.99 → 3.96.
        Assert.Equal(3, s.Median, 12);
        Assert.Equal(4.8, s.P95, 12);
        Assert.Equal(4.96, s.P99, 12);
    }

    [Fact]
    public void Of_EightValues_MatchesHandComputedValues()
    {
        // 2 4 4 4 5 5 7 9: mean 5; squared deviations 9 1 1 1 0 0 4 16 = 32; s = √(32/7) = 2.138090;
        // t(0.975, 7) = 2.364624; half width = 2.364624 · 2.138090 / √8 = 1.787487.
        var s = Statistics.Of([2, 4, 4, 4, 5, 5, 7, 9]);

        Assert.Equal(5, s.Mean, 12);
        Assert.Equal(Math.Sqrt(32.0 / 7), s.StandardDeviation, 12);
        Assert.Equal(1.787487, s.ConfidenceHalfWidth95, 5);
        Assert.Equal(9, s.Max);
        // Position p · 7: 0.5 → 3.5 → 4.5; 0.95 → 6.65 → 7 + 0.65 · 2 = 8.3; 0.99 → 6.93 → 8.86.
        Assert.Equal(4.5, s.Median, 12);
        Assert.Equal(8.3, s.P95, 12);
        Assert.Equal(8.86, s.P99, 12);
    }

    [Fact]
    public void Of_UnsortedInput_SortsForPercentilesOnly()
    {
        var s = Statistics.Of([9.0, 2, 5, 4, 7, 4, 5, 4]);

        Assert.Equal((2.0, 9.0, 4.5, 5.0), (s.Min, s.Max, s.Median, s.Mean));
    }

    [Fact]
    public void Of_ManyValues_HalfWidthApproachesNormalQuantile()
    {
        // Alternating 0 and 2: mean 1, s ≈ 1 for large n; t(0.975, n − 1) → 1.96.
        var values = Enumerable.Range(0, 100_000).Select(i => i % 2 == 0 ? 0.0 : 2.0).ToArray();

        var s = Statistics.Of(values);

        Assert.Equal(1.96, s.ConfidenceHalfWidth95 * Math.Sqrt(values.Length) / s.StandardDeviation, 2);
    }

    [Fact]
    public void Of_OneValue_HasNoSpread()
    {
        var s = Statistics.Of([4.5]);

        Assert.Equal((1, 4.5, 0.0, 0.0, 4.5, 4.5), (s.Count, s.Mean, s.StandardDeviation, s.ConfidenceHalfWidth95, s.Min, s.Max));
        Assert.Equal((4.5, 4.5, 4.5), (s.Median, s.P95, s.P99));
    }

    [Fact]
    public void Of_Empty_Throws()
    {
        Assert.Throws<ArgumentException>(() => Statistics.Of(Array.Empty<double>()));
    }
}
