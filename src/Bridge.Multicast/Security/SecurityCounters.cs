namespace Bridge.Multicast.Security;

/// <summary>
/// Frames protected, verified and refused by reason, for the secured groups of one endpoint or
/// gateway. Written by the one thread that drives it; readable from any thread (for metrics).
/// </summary>
public sealed class SecurityCounters
{
    private readonly long[] _rejected = new long[Enum.GetValues<SecurityRejection>().Length];
    private long _sealed;
    private long _verified;
    private long _unsendable;

    /// <summary>Frames given a tag (and encrypted, where the group says so).</summary>
    public long Sealed => Volatile.Read(ref _sealed);

    /// <summary>Frames whose tag verified and that passed the replay checks.</summary>
    public long Verified => Volatile.Read(ref _verified);

    /// <summary>Messages not sent because no key valid now was there to protect them with.</summary>
    public long Unsendable => Volatile.Read(ref _unsendable);

    /// <summary>Frames refused for <paramref name="reason"/>.</summary>
    public long Rejected(SecurityRejection reason) => Volatile.Read(ref _rejected[(int)reason]);

    /// <summary>Frames refused, all reasons together.</summary>
    public long RejectedTotal
    {
        get
        {
            long total = 0;
            for (var i = 1; i < _rejected.Length; i++)
            {
                total += Volatile.Read(ref _rejected[i]);
            }

            return total;
        }
    }

    internal void OnSealed(int frames) => Interlocked.Add(ref _sealed, frames);

    internal void OnVerified() => Interlocked.Increment(ref _verified);

    internal void OnUnsendable() => Interlocked.Increment(ref _unsendable);

    internal void OnRejected(SecurityRejection reason) => Interlocked.Increment(ref _rejected[(int)reason]);
}
