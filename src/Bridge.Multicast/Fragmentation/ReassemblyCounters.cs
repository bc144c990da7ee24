namespace Bridge.Multicast.Fragmentation;

/// <summary>
/// What a <see cref="Reassembler"/> has done. Written by the one thread that drives the
/// reassembler; readable from any thread (a reader may see a value a moment old).
/// </summary>
public sealed class ReassemblyCounters
{
    private long _completed;
    private long _expired;
    private long _evicted;
    private long _refused;
    private long _duplicateFragments;
    private long _inconsistentFragments;

    /// <summary>Messages handed out whole.</summary>
    public long Completed => Volatile.Read(ref _completed);

    /// <summary>Incomplete messages dropped because their time ran out.</summary>
    public long Expired => Volatile.Read(ref _expired);

    /// <summary>Incomplete messages dropped, oldest first, to make room for a new one.</summary>
    public long Evicted => Volatile.Read(ref _evicted);

    /// <summary>Fragments of messages longer than <see cref="ReassemblyOptions.MaxBufferedBytes"/>, refused unbuffered.</summary>
    public long Refused => Volatile.Read(ref _refused);

    /// <summary>Fragments received again while their message was still incomplete.</summary>
    public long DuplicateFragments => Volatile.Read(ref _duplicateFragments);

    /// <summary>Fragments that contradicted their message's other fragments; each dropped that whole message.</summary>
    public long InconsistentFragments => Volatile.Read(ref _inconsistentFragments);

    internal void OnCompleted() => Volatile.Write(ref _completed, _completed + 1);

    internal void OnExpired() => Volatile.Write(ref _expired, _expired + 1);

    internal void OnEvicted() => Volatile.Write(ref _evicted, _evicted + 1);

    internal void OnRefused() => Volatile.Write(ref _refused, _refused + 1);

    internal void OnDuplicateFragment() => Volatile.Write(ref _duplicateFragments, _duplicateFragments + 1);

    internal void OnInconsistentFragment() => Volatile.Write(ref _inconsistentFragments, _inconsistentFragments + 1);
}
