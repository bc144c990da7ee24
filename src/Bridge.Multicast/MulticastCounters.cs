using Bridge.Multicast.Wire;

namespace Bridge.Multicast;

/// <summary>What a <see cref="MulticastSocket"/> has sent, received and dropped, by reason. Thread-safe.</summary>
public sealed class MulticastCounters
{
    private readonly long[] _dropped = new long[Enum.GetValues<FrameError>().Length];
    private long _framesSent;
    private long _bytesSent;
    private long _framesReceived;
    private long _notJoined;

    /// <summary>Frames sent: one per <see cref="MulticastSocket.SendAsync"/>, whatever the number of receivers.</summary>
    public long FramesSent => Interlocked.Read(ref _framesSent);

    /// <summary>Bytes of those frames.</summary>
    public long BytesSent => Interlocked.Read(ref _bytesSent);

    /// <summary>Valid frames received for a joined group.</summary>
    public long FramesReceived => Interlocked.Read(ref _framesReceived);

    /// <summary>Valid frames for a group this socket has not joined (another name on the same address).</summary>
    public long FramesNotJoined => Interlocked.Read(ref _notJoined);

    /// <summary>Malformed datagrams dropped for <paramref name="reason"/>.</summary>
    public long Dropped(FrameError reason) => Interlocked.Read(ref _dropped[(int)reason]);

    /// <summary>All malformed datagrams dropped.</summary>
    public long DroppedTotal => Enumerable.Range(0, _dropped.Length).Sum(i => Interlocked.Read(ref _dropped[i]));

    internal void OnSent(int bytes)
    {
        Interlocked.Increment(ref _framesSent);
        Interlocked.Add(ref _bytesSent, bytes);
    }

    internal void OnReceived() => Interlocked.Increment(ref _framesReceived);

    internal void OnNotJoined() => Interlocked.Increment(ref _notJoined);

    internal void OnDropped(FrameError reason) => Interlocked.Increment(ref _dropped[(int)reason]);
}
