using Bridge.Multicast.Diagnostics;
using Microsoft.Extensions.Time.Testing;

namespace Bridge.Multicast.Tests.Diagnostics;

/// <summary>The limiter of per-datagram warnings: first N per interval, then one summary with the number suppressed.</summary>
public sealed class LogRateLimiterTests
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Acquire_FirstBurst_LogsEachWithNothingSuppressed()
    {
        var limiter = new LogRateLimiter(3, Minute, _time);

        var permits = Enumerable.Range(0, 3).Select(_ => limiter.Acquire()).ToList();

        Assert.All(permits, p => Assert.Equal(new LogPermit(true, 0), p));
    }

    [Fact]
    public void Acquire_PastTheBurstWithinTheInterval_SuppressesAndCounts()
    {
        var limiter = new LogRateLimiter(3, Minute, _time);
        for (var i = 0; i < 3; i++)
        {
            limiter.Acquire();
        }

        _time.Advance(TimeSpan.FromSeconds(59));
        var permits = Enumerable.Range(0, 1000).Select(_ => limiter.Acquire()).ToList();

        Assert.All(permits, p => Assert.Equal(new LogPermit(false, 0), p));
        Assert.Equal(1000, limiter.Pending);
    }

    [Fact]
    public void Acquire_FirstAfterTheInterval_LogsWithTheNumberSuppressed()
    {
        var limiter = new LogRateLimiter(2, Minute, _time);
        for (var i = 0; i < 7; i++)
        {
            limiter.Acquire();
        }

        _time.Advance(Minute);
        var summary = limiter.Acquire();
        var next = limiter.Acquire();

        Assert.Equal(new LogPermit(true, 5), summary);
        Assert.Equal(new LogPermit(true, 0), next);
        Assert.Equal(0, limiter.Pending);
    }

    [Fact]
    public void Acquire_SteadyGarbage_LogsAtMostBurstPlusOneSummaryPerInterval()
    {
        var limiter = new LogRateLimiter(10, Minute, _time);
        var logged = 0;
        long reported = 0;
        const int PerSecond = 100;
        const int Seconds = 600;

        for (var second = 0; second < Seconds; second++)
        {
            for (var i = 0; i < PerSecond; i++)
            {
                var permit = limiter.Acquire();
                logged += permit.Log ? 1 : 0;
                reported += permit.Suppressed;
            }

            _time.Advance(TimeSpan.FromSeconds(1));
        }

        // Ten intervals, ten lines each (the first of each carries the summary of the one before).
        Assert.Equal(100, logged);
        Assert.Equal((PerSecond * Seconds) - logged, reported + limiter.Pending);
    }

    [Fact]
    public void Acquire_QuietPeriod_StartsAFreshBurstWithoutASummary()
    {
        var limiter = new LogRateLimiter(1, Minute, _time);
        limiter.Acquire();

        _time.Advance(TimeSpan.FromHours(1));

        Assert.Equal(new LogPermit(true, 0), limiter.Acquire());
    }

    [Theory]
    [InlineData(0, 60)]
    [InlineData(1, 0)]
    [InlineData(1, -1)]
    public void Constructor_BurstOrIntervalNotPositive_Throws(int burst, int seconds)
        => Assert.Throws<ArgumentOutOfRangeException>(() => new LogRateLimiter(burst, TimeSpan.FromSeconds(seconds), _time));
}
