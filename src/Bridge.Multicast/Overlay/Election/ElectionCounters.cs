namespace Bridge.Multicast.Overlay.Election;

/// <summary>What a <see cref="DesignatedGatewayElection"/> sent, received and dropped.</summary>
public sealed class ElectionCounters
{
    private long[] _rejected = new long[Enum.GetValues<HelloError>().Length];

    /// <summary>Hellos handed to the driver.</summary>
    public long HellosSent { get; internal set; }

    /// <summary>Well-formed hellos from other gateways.</summary>
    public long HellosReceived { get; internal set; }

    /// <summary>Well-formed hellos bearing this gateway's own id (multicast loopback), ignored.</summary>
    public long OwnHellosIgnored { get; internal set; }

    /// <summary>Malformed hellos dropped, whatever the reason.</summary>
    public long HellosRejected { get; internal set; }

    /// <summary>Peers counted dead after their hold time ran out.</summary>
    public long PeersExpired { get; internal set; }

    /// <summary>Malformed hellos dropped for <paramref name="reason"/>.</summary>
    public long RejectedBy(HelloError reason) => (uint)reason < (uint)_rejected.Length ? _rejected[(int)reason] : 0;

    /// <summary>
    /// A copy of the counters as they are now, made by the thread that drives the election, for
    /// readers on other threads (metrics): the state machine's own fields are plain.
    /// </summary>
    public ElectionCounters Copy()
    {
        var copy = (ElectionCounters)MemberwiseClone();
        copy._rejected = (long[])_rejected.Clone();
        return copy;
    }

    internal void CountRejected(HelloError reason)
    {
        HellosRejected++;
        _rejected[(int)reason]++;
    }
}
