namespace Bridge.Multicast.Aggregation;

/// <summary>Settings of a <see cref="RequestAggregator"/>.</summary>
public sealed record AggregatorOptions
{
    /// <summary>
    /// What a gateway keeps back from the budget it received: the time its partial needs to
    /// reach its parent, plus the time the request took to reach it, which a relative budget
    /// cannot see. It sends its partial at receipt + budget − margin and gives its children that
    /// much budget. The source keeps no margin: its result is due at receipt + budget.
    /// </summary>
    public TimeSpan HopMargin { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How long a finished request is remembered, to count late and duplicate input instead of taking it for a new request.</summary>
    public TimeSpan Linger { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The most requests held at once, finished ones included; when full, the longest-finished one is forgotten first, and a request is refused only when none has finished.</summary>
    public int MaxRequests { get; init; } = 64;

    /// <summary>How long late input is gathered before one late-only update (or, at the source, one <see cref="LateAfterResult"/>) reports it.</summary>
    public TimeSpan LateUpdateDelay { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Throws when a setting is out of range.</summary>
    /// <exception cref="ArgumentException">A setting is out of range.</exception>
    public void Validate()
    {
        if (HopMargin < TimeSpan.Zero)
        {
            throw new ArgumentException($"HopMargin {HopMargin} must not be negative.");
        }

        if (Linger <= TimeSpan.Zero)
        {
            throw new ArgumentException($"Linger {Linger} must be positive.");
        }

        if (MaxRequests < 1)
        {
            throw new ArgumentException($"MaxRequests {MaxRequests} must be at least 1.");
        }

        if (LateUpdateDelay < TimeSpan.Zero)
        {
            throw new ArgumentException($"LateUpdateDelay {LateUpdateDelay} must not be negative.");
        }
    }
}
