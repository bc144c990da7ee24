namespace Bridge.Multicast.Endpoint.Reliability;

/// <summary>
/// The frames of one sender's recent messages of one group, kept to answer NACKs: bounded by bytes
/// and by age, oldest forgotten first. Each entry holds every fragment of a message as a repair
/// copy (the Retransmission flag set, which a tag does not cover, so the copy verifies as the
/// original did).
/// </summary>
internal sealed class RepairCache(long maxBytes, TimeSpan maxAge)
{
    private readonly Queue<Entry> _order = new();
    private readonly Dictionary<ulong, Entry> _bySequence = [];

    /// <summary>Bytes of frames held now.</summary>
    public long Bytes { get; private set; }

    /// <summary>Messages held now.</summary>
    public int Count => _bySequence.Count;

    /// <summary>Keeps the frames of message <paramref name="sequence"/>, sent at <paramref name="now"/>, as repair copies; may forget older messages.</summary>
    public void Add(TimeSpan now, ulong sequence, IReadOnlyList<byte[]> datagrams)
    {
        long bytes = 0;
        var copies = new byte[datagrams.Count][];
        for (var i = 0; i < copies.Length; i++)
        {
            copies[i] = MarkRetransmission(datagrams[i]);
            bytes += copies[i].Length;
        }

        var entry = new Entry(sequence, copies, bytes, now);
        _order.Enqueue(entry);
        _bySequence[sequence] = entry;
        Bytes += bytes;
        Trim(now);
    }

    /// <summary>The repair copies of <paramref name="sequence"/>, when still held at <paramref name="now"/>.</summary>
    public bool TryGet(TimeSpan now, ulong sequence, out byte[][] datagrams)
    {
        Trim(now);
        if (_bySequence.TryGetValue(sequence, out var entry))
        {
            datagrams = entry.Datagrams;
            return true;
        }

        datagrams = [];
        return false;
    }

    /// <summary>Forgets what is too old at <paramref name="now"/> or beyond the byte bound.</summary>
    public void Trim(TimeSpan now)
    {
        while (_order.TryPeek(out var oldest) && (Bytes > maxBytes || now - oldest.StoredAt > maxAge))
        {
            _order.Dequeue();
            Bytes -= oldest.Bytes;
            _bySequence.Remove(oldest.Sequence);
        }
    }

    /// <summary>A copy of <paramref name="datagram"/> with the Retransmission flag (offset 4, docs/wire-format.md §5.3) set.</summary>
    internal static byte[] MarkRetransmission(byte[] datagram)
    {
        var copy = (byte[])datagram.Clone();
        copy[4] |= (byte)Wire.FrameFlags.Retransmission;
        return copy;
    }

    private sealed record Entry(ulong Sequence, byte[][] Datagrams, long Bytes, TimeSpan StoredAt);
}
