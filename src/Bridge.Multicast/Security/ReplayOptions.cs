namespace Bridge.Multicast.Security;

/// <summary>A secured group's replay protection (docs/security.md, "Replay windows").</summary>
public sealed record ReplayOptions
{
    /// <summary>How many sequence numbers behind a source's newest a frame may be and still be taken (once).</summary>
    public int Window { get; init; } = 1024;

    /// <summary>How old (by its timestamp, against the receiver's clock) a frame may be.</summary>
    public TimeSpan MaxAge { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How far ahead of the receiver's clock a frame's timestamp may be (the senders' clock skew).</summary>
    public TimeSpan MaxAhead { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How many sources per group the receiver keeps a window for; the least recently heard is forgotten beyond it.</summary>
    public int MaxSources { get; init; } = 4096;

    /// <summary>Throws when a setting is out of range.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Window, 1, nameof(Window));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Window, 1 << 20, nameof(Window));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(MaxAge, TimeSpan.Zero, nameof(MaxAge));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxAhead, TimeSpan.Zero, nameof(MaxAhead));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxSources, 1, nameof(MaxSources));
    }
}
