namespace Bridge.Multicast.Fragmentation;

/// <summary>
/// What a <see cref="Reassembler"/> has done, and what it holds now. Written by the one thread
/// that drives the reassembler; readable from any thread (a reader may see a value a moment old).
/// </summary>
/// <remarks>
/// Every message given up on is counted once, under the reason it was reported with: the lost
/// reports add up to <see cref="Expired"/> + <see cref="Evicted"/> + <see cref="Refused"/> +
/// <see cref="InconsistentFragments"/>.
/// </remarks>
public sealed class ReassemblyCounters
{
    private long _completed;
    private long _expired;
    private long _evicted;
    private long _refused;
    private long _duplicateFragments;
    private long _inconsistentFragments;
    private long _lateFragments;
    private long _bufferedBytes;
    private long _pendingMessages;
    private long _rememberedMessages;

    /// <summary>Messages handed out whole.</summary>
    public long Completed => Volatile.Read(ref _completed);

    /// <summary>Incomplete messages dropped because their time ran out.</summary>
    public long Expired => Volatile.Read(ref _expired);

    /// <summary>Incomplete messages dropped, oldest first, to make room for a new one.</summary>
    public long Evicted => Volatile.Read(ref _evicted);

    /// <summary>
    /// Messages longer than <see cref="ReassemblyOptions.MaxBufferedBytes"/>, refused unbuffered
    /// at their first fragment (their later fragments count as <see cref="LateFragments"/>).
    /// </summary>
    public long Refused => Volatile.Read(ref _refused);

    /// <summary>Fragments received again while their message was still incomplete.</summary>
    public long DuplicateFragments => Volatile.Read(ref _duplicateFragments);

    /// <summary>Fragments that contradicted their message's other fragments; each dropped that whole message.</summary>
    public long InconsistentFragments => Volatile.Read(ref _inconsistentFragments);

    /// <summary>
    /// Fragments of a message that had already ended (completed, expired, evicted, refused or
    /// inconsistent) and is still remembered: dropped without starting a new reassembly or a new report.
    /// </summary>
    public long LateFragments => Volatile.Read(ref _lateFragments);

    /// <summary>Bytes reserved now by incomplete messages; at most <see cref="ReassemblyOptions.MaxBufferedBytes"/>.</summary>
    public long BufferedBytes => Volatile.Read(ref _bufferedBytes);

    /// <summary>Incomplete messages held now; at most <see cref="ReassemblyOptions.MaxPendingMessages"/>.</summary>
    public long PendingMessages => Volatile.Read(ref _pendingMessages);

    /// <summary>Ended messages remembered now; at most <see cref="ReassemblyOptions.MaxRememberedMessages"/>.</summary>
    public long RememberedMessages => Volatile.Read(ref _rememberedMessages);

    internal void OnCompleted() => Volatile.Write(ref _completed, _completed + 1);

    internal void OnExpired() => Volatile.Write(ref _expired, _expired + 1);

    internal void OnEvicted() => Volatile.Write(ref _evicted, _evicted + 1);

    internal void OnRefused() => Volatile.Write(ref _refused, _refused + 1);

    internal void OnDuplicateFragment() => Volatile.Write(ref _duplicateFragments, _duplicateFragments + 1);

    internal void OnInconsistentFragment() => Volatile.Write(ref _inconsistentFragments, _inconsistentFragments + 1);

    internal void OnLateFragment() => Volatile.Write(ref _lateFragments, _lateFragments + 1);

    internal void SetHeld(long pendingMessages, long bufferedBytes)
    {
        Volatile.Write(ref _pendingMessages, pendingMessages);
        Volatile.Write(ref _bufferedBytes, bufferedBytes);
    }

    internal void SetRemembered(long rememberedMessages) => Volatile.Write(ref _rememberedMessages, rememberedMessages);
}
