namespace Bridge.Multicast.Overlay.Links;

/// <summary>
/// Whether an overlay link is alive: it is dead once no frame has arrived for the dead interval.
/// The link checks at every heartbeat, so a dead link is noticed within one heartbeat interval
/// after the dead interval.
/// </summary>
/// <remarks>
/// Pure: time comes in as <c>now</c>, on the clock of the driver or the simulator. Safe for one
/// thread that reports frames (<see cref="HandleFrame"/>) and another that checks
/// (<see cref="IsDead"/>): the last arrival is one 64-bit value read and written atomically.
/// </remarks>
public sealed class LinkLiveness
{
    private long _lastFrameTicks;

    /// <summary>A link that counts as heard at <paramref name="now"/>, dead after <paramref name="deadInterval"/> of silence.</summary>
    public LinkLiveness(TimeSpan now, TimeSpan deadInterval)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(deadInterval, TimeSpan.Zero);
        DeadInterval = deadInterval;
        _lastFrameTicks = now.Ticks;
    }

    /// <summary>How long a link may stay silent.</summary>
    public TimeSpan DeadInterval { get; }

    /// <summary>When a frame last arrived (or the link was last restarted).</summary>
    public TimeSpan LastFrameAt => TimeSpan.FromTicks(Volatile.Read(ref _lastFrameTicks));

    /// <summary>A frame arrived at <paramref name="now"/>; any frame, heartbeats included, proves the peer alive.</summary>
    public void HandleFrame(TimeSpan now) => Volatile.Write(ref _lastFrameTicks, now.Ticks);

    /// <summary>How long the link has been silent at <paramref name="now"/>.</summary>
    public TimeSpan SilentFor(TimeSpan now) => now - LastFrameAt;

    /// <summary>Whether the link has been silent for the dead interval or longer at <paramref name="now"/>; <paramref name="silent"/> says how long.</summary>
    public bool IsDead(TimeSpan now, out TimeSpan silent)
    {
        silent = SilentFor(now);
        return silent >= DeadInterval;
    }
}
