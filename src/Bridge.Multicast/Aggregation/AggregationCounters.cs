namespace Bridge.Multicast.Aggregation;

/// <summary>What a <see cref="RequestAggregator"/> took in, sent and dropped.</summary>
public sealed class AggregationCounters
{
    private long[] _dropped = new long[Enum.GetValues<AggregationDropReason>().Length];
    private long[] _malformed = new long[Enum.GetValues<AggregationError>().Length];

    /// <summary>Requests accepted.</summary>
    public long RequestsAccepted { get; internal set; }

    /// <summary>Replies folded into an aggregate.</summary>
    public long RepliesAccepted { get; internal set; }

    /// <summary>Partials (not late updates) folded into an aggregate.</summary>
    public long PartialsAccepted { get; internal set; }

    /// <summary>Late-only updates from children taken into the late count.</summary>
    public long LateUpdatesReceived { get; internal set; }

    /// <summary>Partials handed to the driver for the parent, late updates included.</summary>
    public long PartialsSent { get; internal set; }

    /// <summary>Late-only updates among <see cref="PartialsSent"/>.</summary>
    public long LateUpdatesSent { get; internal set; }

    /// <summary>Results completed at the source.</summary>
    public long ResultsCompleted { get; internal set; }

    /// <summary>Requests finished at their deadline rather than because every child and known member answered.</summary>
    public long FinishedAtDeadline { get; internal set; }

    /// <summary>Child subtrees counted missing (failed or silent).</summary>
    public long SubtreesMissing { get; internal set; }

    /// <summary>Finished requests forgotten after their linger, or early to make room.</summary>
    public long RequestsForgotten { get; internal set; }

    /// <summary>Inputs dropped, whatever the reason.</summary>
    public long Dropped { get; internal set; }

    /// <summary>Inputs dropped for <paramref name="reason"/>.</summary>
    public long DroppedBy(AggregationDropReason reason) => (uint)reason < (uint)_dropped.Length ? _dropped[(int)reason] : 0;

    /// <summary>Malformed inputs dropped for <paramref name="error"/>.</summary>
    public long MalformedBy(AggregationError error) => (uint)error < (uint)_malformed.Length ? _malformed[(int)error] : 0;

    /// <summary>A copy of the counters as they are now, for readers on other threads (a driver's snapshot).</summary>
    public AggregationCounters Copy()
    {
        var copy = (AggregationCounters)MemberwiseClone();
        copy._dropped = (long[])_dropped.Clone();
        copy._malformed = (long[])_malformed.Clone();
        return copy;
    }

    internal void CountDropped(AggregationDropReason reason, AggregationError error)
    {
        Dropped++;
        _dropped[(int)reason]++;
        if (reason == AggregationDropReason.Malformed)
        {
            _malformed[(int)error]++;
        }
    }
}
