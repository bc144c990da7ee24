namespace Bridge.Multicast.Endpoint.Reliability;

/// <summary>What the reliable groups of an endpoint did (docs/reliability.md, "Counters"). Read from any thread.</summary>
public sealed class ReliabilityCounters
{
    private long _nacksSent;
    private long _numbersNacked;
    private long _nacksSuppressed;
    private long _nacksHeldDown;
    private long _nacksHeard;
    private long _confirmed;
    private long _unavailable;
    private long _repairsSent;
    private long _repairFramesMulticast;
    private long _repairFramesUnicast;
    private long _repairsReceived;
    private long _statusSent;
    private long _unrecoverableRanges;
    private long _unrecoverableMessages;
    private long _rejected;
    private long _cacheBytes;
    private long _cacheMessages;

    /// <summary>NACK frames sent by this receiver.</summary>
    public long NacksSent => Volatile.Read(ref _nacksSent);

    /// <summary>Sequence numbers asked for in those NACKs (a number asked twice counts twice).</summary>
    public long NumbersNacked => Volatile.Read(ref _numbersNacked);

    /// <summary>Numbers this receiver did not NACK because another receiver's NACK or the source's confirmation came first.</summary>
    public long NacksSuppressed => Volatile.Read(ref _nacksSuppressed);

    /// <summary>Numbers asked for again while their repair had just gone out; not repaired twice.</summary>
    public long NacksHeldDown => Volatile.Read(ref _nacksHeldDown);

    /// <summary>NACK frames this sender heard for its own numbers.</summary>
    public long NacksHeard => Volatile.Read(ref _nacksHeard);

    /// <summary>Numbers this sender confirmed (NCF).</summary>
    public long Confirmed => Volatile.Read(ref _confirmed);

    /// <summary>Numbers this sender answered as no longer in its cache.</summary>
    public long Unavailable => Volatile.Read(ref _unavailable);

    /// <summary>Messages this sender repaired.</summary>
    public long RepairsSent => Volatile.Read(ref _repairsSent);

    /// <summary>Repair frames sent to the group (more than one receiver asked).</summary>
    public long RepairFramesMulticast => Volatile.Read(ref _repairFramesMulticast);

    /// <summary>Repair frames meant for one receiver (one asked).</summary>
    public long RepairFramesUnicast => Volatile.Read(ref _repairFramesUnicast);

    /// <summary>Messages this receiver got from a repair after missing them.</summary>
    public long RepairsReceived => Volatile.Read(ref _repairsReceived);

    /// <summary>Source status announcements sent.</summary>
    public long StatusSent => Volatile.Read(ref _statusSent);

    /// <summary>Ranges reported as <see cref="UnrecoverableLoss"/>.</summary>
    public long UnrecoverableRanges => Volatile.Read(ref _unrecoverableRanges);

    /// <summary>Messages in those ranges.</summary>
    public long UnrecoverableMessages => Volatile.Read(ref _unrecoverableMessages);

    /// <summary>RepairRequest frames whose payload did not decode.</summary>
    public long Rejected => Volatile.Read(ref _rejected);

    /// <summary>Bytes held in the repair caches of the groups this endpoint sends reliably, after the last send or timeout.</summary>
    public long CacheBytes => Volatile.Read(ref _cacheBytes);

    /// <summary>Messages held in those caches.</summary>
    public long CacheMessages => Volatile.Read(ref _cacheMessages);

    internal void OnNackSent(int numbers)
    {
        Interlocked.Increment(ref _nacksSent);
        Interlocked.Add(ref _numbersNacked, numbers);
    }

    internal void OnNackHeard() => Interlocked.Increment(ref _nacksHeard);

    internal void OnNackSuppressed() => Interlocked.Increment(ref _nacksSuppressed);

    internal void OnNackHeldDown() => Interlocked.Increment(ref _nacksHeldDown);

    internal void OnConfirmed(int numbers) => Interlocked.Add(ref _confirmed, numbers);

    internal void OnUnavailable(int numbers) => Interlocked.Add(ref _unavailable, numbers);

    internal void OnRepairSent(int frames, bool multicast)
    {
        Interlocked.Increment(ref _repairsSent);
        if (multicast)
        {
            Interlocked.Add(ref _repairFramesMulticast, frames);
        }
        else
        {
            Interlocked.Add(ref _repairFramesUnicast, frames);
        }
    }

    internal void OnRepairReceived() => Interlocked.Increment(ref _repairsReceived);

    internal void OnStatusSent() => Interlocked.Increment(ref _statusSent);

    internal void OnUnrecoverable(ulong messages)
    {
        Interlocked.Increment(ref _unrecoverableRanges);
        Interlocked.Add(ref _unrecoverableMessages, (long)messages);
    }

    internal void OnRejected() => Interlocked.Increment(ref _rejected);

    internal void SetCache(long bytes, long messages)
    {
        Volatile.Write(ref _cacheBytes, bytes);
        Volatile.Write(ref _cacheMessages, messages);
    }
}
