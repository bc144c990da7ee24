namespace Bridge.Multicast.Overlay.Links;

/// <summary>
/// Round-trip samples of an overlay link from its heartbeat probes and their echoes
/// (docs/wire-format.md §5.1.1), smoothed as in RFC 6298 §2: the first sample is taken as it is,
/// each later one as SRTT = 7/8 SRTT + 1/8 sample. The send time of each probe is kept here, never
/// read from the echo, so a peer cannot claim a round-trip time the link did not see.
/// </summary>
/// <remarks>
/// <para>
/// The last <see cref="ProbeSlots"/> probes are remembered, by number modulo the slot count; an
/// echo of a probe no longer (or never) remembered, or echoed already, gives no sample (it still
/// proves the link alive, which is <see cref="LinkLiveness"/>'s business). A sample is at least
/// one tick, so a clock that did not move still yields a cost.
/// </para>
/// <para>
/// Pure: time comes in as <c>now</c>. Safe to call from the heartbeat loop (<see cref="NextProbe"/>)
/// and the receive loop (<see cref="TryHandleEcho"/>) at once, and to read from any thread.
/// </para>
/// </remarks>
public sealed class RoundTripEstimator
{
    /// <summary>How many probes are remembered at once.</summary>
    public const int ProbeSlots = 8;

    private readonly Lock _lock = new();
    private readonly Probe[] _probes = new Probe[ProbeSlots];
    private ulong _nextProbe;
    private long _smoothedTicks;
    private long _latestTicks;

    /// <summary>The smoothed round-trip time; null until the first sample.</summary>
    public TimeSpan? Smoothed => Ticks(Volatile.Read(ref _smoothedTicks));

    /// <summary>The latest sample; null until the first.</summary>
    public TimeSpan? Latest => Ticks(Volatile.Read(ref _latestTicks));

    /// <summary>Numbers a probe sent at <paramref name="now"/> and remembers when it went; probe numbers start at 1.</summary>
    public ulong NextProbe(TimeSpan now)
    {
        lock (_lock)
        {
            var probe = ++_nextProbe;
            _probes[(int)(probe % ProbeSlots)] = new Probe(probe, now, Pending: true);
            return probe;
        }
    }

    /// <summary>
    /// The echo of <paramref name="probe"/> arrived at <paramref name="now"/>: whether it gave a
    /// sample, and then the sample and the new smoothed round-trip time.
    /// </summary>
    public bool TryHandleEcho(ulong probe, TimeSpan now, out TimeSpan sample, out TimeSpan smoothed)
    {
        lock (_lock)
        {
            ref var slot = ref _probes[(int)(probe % ProbeSlots)];
            if (!slot.Pending || slot.Number != probe)
            {
                sample = default;
                smoothed = default;
                return false;
            }

            sample = now - slot.SentAt;
            slot = default;
            if (sample <= TimeSpan.Zero)
            {
                sample = TimeSpan.FromTicks(1);
            }

            var previous = _smoothedTicks;
            var next = Math.Max(1, previous == 0 ? sample.Ticks : previous - (previous / 8) + (sample.Ticks / 8));
            Volatile.Write(ref _latestTicks, sample.Ticks);
            Volatile.Write(ref _smoothedTicks, next);
            smoothed = TimeSpan.FromTicks(next);
            return true;
        }
    }

    private static TimeSpan? Ticks(long ticks) => ticks == 0 ? null : TimeSpan.FromTicks(ticks);

    private readonly record struct Probe(ulong Number, TimeSpan SentAt, bool Pending);
}
