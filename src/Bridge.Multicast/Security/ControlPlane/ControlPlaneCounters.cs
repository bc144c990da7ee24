namespace Bridge.Multicast.Security.ControlPlane;

/// <summary>What a <see cref="ControlFrameAuthenticator"/> has done, for metrics and tests.</summary>
public sealed class ControlPlaneCounters
{
    private long[] _rejected = new long[Enum.GetValues<ControlFrameRejection>().Length];

    /// <summary>Frames tagged for sending.</summary>
    public long Sealed { get; internal set; }

    /// <summary>Frames sent without a tag because no key of the ring was valid for sending at the time; receivers refuse them.</summary>
    public long NoSendingKey { get; internal set; }

    /// <summary>Frames whose tag, timestamp and sequence number passed.</summary>
    public long Verified { get; internal set; }

    /// <summary>Senders whose replay window is remembered now.</summary>
    public int Senders { get; internal set; }

    /// <summary>Frames refused for <paramref name="reason"/>.</summary>
    public long Rejected(ControlFrameRejection reason) => (uint)reason < (uint)_rejected.Length ? _rejected[(int)reason] : 0;

    /// <summary>Every refused frame, whatever the reason.</summary>
    public long RejectedTotal => _rejected.Sum();

    /// <summary>A copy of the counters as they are now, for readers on other threads.</summary>
    public ControlPlaneCounters Copy()
    {
        var copy = (ControlPlaneCounters)MemberwiseClone();
        copy._rejected = (long[])_rejected.Clone();
        return copy;
    }

    internal void CountRejected(ControlFrameRejection reason) => _rejected[(int)reason]++;
}
