namespace Bridge.Multicast.Diagnostics;

/// <summary>What <see cref="LogRateLimiter.Acquire"/> decided for one occurrence.</summary>
/// <param name="Log">Whether to log this occurrence.</param>
/// <param name="Suppressed">
/// When <paramref name="Log"/>: how many occurrences were suppressed since the last one logged,
/// which the caller reports (one summary line) before this one; otherwise 0.
/// </param>
public readonly record struct LogPermit(bool Log, long Suppressed);

/// <summary>
/// Limits how often one kind of per-datagram warning (a malformed frame, a bad hello, a refused
/// relay) is logged, so a peer sending garbage cannot flood the log: in each interval the first
/// <see cref="Burst"/> occurrences are logged, the rest are only counted, and the next occurrence
/// logged after the interval carries the number suppressed, for one summary line.
/// </summary>
/// <remarks>
/// Pure: no timer, no I/O; the time comes from the <see cref="TimeProvider"/> (a fake one in tests).
/// The summary rides on the next occurrence rather than a timer, as the kernel's
/// <c>printk_ratelimit</c> does: a peer that stops sending garbage leaves at most one summary
/// unwritten, and its count is in the metrics anyway. The counters (the metrics) count every
/// occurrence; this only decides what reaches the log. Safe to call from several threads.
/// </remarks>
public sealed class LogRateLimiter
{
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private long _windowStart;
    private bool _started;
    private int _logged;
    private long _suppressed;

    /// <summary>A limiter that lets <paramref name="burst"/> occurrences through per <paramref name="interval"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="burst"/> is below 1, or <paramref name="interval"/> is not positive.</exception>
    public LogRateLimiter(int burst, TimeSpan interval, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(burst, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(time);
        Burst = burst;
        Interval = interval;
        _time = time;
    }

    /// <summary>The defaults of the drivers: 10 lines, then one summary a minute at most.</summary>
    public static LogRateLimiter PerMinute(TimeProvider time) => new(10, TimeSpan.FromMinutes(1), time);

    /// <summary>Occurrences logged per interval.</summary>
    public int Burst { get; }

    /// <summary>The interval.</summary>
    public TimeSpan Interval { get; }

    /// <summary>Occurrences suppressed since the last one logged.</summary>
    public long Pending
    {
        get
        {
            lock (_gate)
            {
                return _suppressed;
            }
        }
    }

    /// <summary>
    /// Counts one occurrence and says whether to log it; when it is logged after others were
    /// suppressed, first hands their number to <paramref name="logSuppressed"/>, which writes the
    /// edge's own summary line (this project does not log).
    /// </summary>
    public bool ShouldLog(Action<long> logSuppressed)
    {
        ArgumentNullException.ThrowIfNull(logSuppressed);
        var permit = Acquire();
        if (permit is { Log: true, Suppressed: > 0 })
        {
            logSuppressed(permit.Suppressed);
        }

        return permit.Log;
    }

    /// <summary>Counts one occurrence and says whether to log it, and what was suppressed before it.</summary>
    public LogPermit Acquire()
    {
        var now = _time.GetTimestamp();
        lock (_gate)
        {
            if (!_started || _time.GetElapsedTime(_windowStart, now) >= Interval)
            {
                // A new interval: this occurrence opens it, and reports what the last one held back.
                _started = true;
                _windowStart = now;
                _logged = 1;
                var suppressed = _suppressed;
                _suppressed = 0;
                return new LogPermit(true, suppressed);
            }

            if (_logged < Burst)
            {
                _logged++;
                return new LogPermit(true, 0);
            }

            _suppressed++;
            return new LogPermit(false, 0);
        }
    }
}
