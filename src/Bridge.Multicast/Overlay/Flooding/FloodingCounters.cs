namespace Bridge.Multicast.Overlay.Flooding;

/// <summary>What one <see cref="LinkStateFlooding"/> did, for metrics and tests.</summary>
public sealed class FloodingCounters
{
    private long[] _malformed = new long[Enum.GetValues<LsaError>().Length];

    /// <summary>Advertisement messages handed over, retransmissions included.</summary>
    public long AdvertisementsSent { get; internal set; }

    /// <summary>Of <see cref="AdvertisementsSent"/>, those sent again for want of an acknowledgement.</summary>
    public long Retransmissions { get; internal set; }

    /// <summary>Acknowledgements handed over.</summary>
    public long AcksSent { get; internal set; }

    /// <summary>Messages dropped because they did not decode; see <see cref="MalformedBy"/>.</summary>
    public long Malformed { get; internal set; }

    /// <summary>Messages dropped because their sender is not a neighbour that is up.</summary>
    public long FromNonNeighbor { get; internal set; }

    /// <summary>Advertisements refused as too old: past the max age, or at or below a removed number.</summary>
    public long Expired { get; internal set; }

    /// <summary>Advertisements refused because they came from a new origin while the database held <see cref="FloodingOptions.MaxOrigins"/>.</summary>
    public long RefusedOverMaxOrigins { get; internal set; }

    /// <summary>Messages dropped for <paramref name="reason"/>.</summary>
    public long MalformedBy(LsaError reason) => (int)reason < _malformed.Length ? _malformed[(int)reason] : 0;

    /// <summary>
    /// A copy of the counters as they are now, made by the thread that drives the flooding, for
    /// readers on other threads (metrics): the state machine's own fields are plain.
    /// </summary>
    public FloodingCounters Copy()
    {
        var copy = (FloodingCounters)MemberwiseClone();
        copy._malformed = (long[])_malformed.Clone();
        return copy;
    }

    internal void CountMalformed(LsaError reason)
    {
        Malformed++;
        _malformed[(int)reason]++;
    }
}
