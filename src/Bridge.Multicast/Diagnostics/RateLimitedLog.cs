using Microsoft.Extensions.Logging;

namespace Bridge.Multicast.Diagnostics;

/// <summary>The edge's side of a <see cref="LogRateLimiter"/>: writes the summary line of what it suppressed.</summary>
public static partial class RateLimitedLog
{
    /// <summary>
    /// Counts one occurrence of <paramref name="what"/> and says whether to log it; when it is
    /// logged after others were suppressed, first writes one line with their number.
    /// </summary>
    public static bool ShouldLog(this LogRateLimiter limiter, ILogger logger, string what)
    {
        ArgumentNullException.ThrowIfNull(limiter);
        var permit = limiter.Acquire();
        if (permit is { Log: true, Suppressed: > 0 })
        {
            Suppressed(logger, permit.Suppressed, what, (long)limiter.Interval.TotalSeconds, limiter.Burst);
        }

        return permit.Log;
    }

    [LoggerMessage(900, LogLevel.Warning, "{Count} more {What} not logged: at most {Burst} per {Seconds} s are (the metrics count every one)")]
    private static partial void Suppressed(ILogger logger, long count, string what, long seconds, int burst);
}
