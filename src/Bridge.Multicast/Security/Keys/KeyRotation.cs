namespace Bridge.Multicast.Security.Keys;

/// <summary>
/// One sender's (or, for a shared secret, the scope's) current key and the key that follows it.
/// Receivers accept both while each is valid, so senders move to the next key at its start and
/// frames still on their way with the current one are taken: a rotation loses nothing
/// (IEC 62351-9's current/next pair).
/// </summary>
/// <param name="Current">The key in use.</param>
/// <param name="Next">The key that takes over at the next rotation; null when none is announced yet.</param>
public sealed record KeyRotation(SecurityKey Current, SecurityKey? Next)
{
    /// <summary>The key with <paramref name="id"/>, or null.</summary>
    public SecurityKey? Find(KeyId id) =>
        Current.Id == id ? Current : Next is not null && Next.Id == id ? Next : null;

    /// <summary>
    /// The key a sender uses at <paramref name="now"/>: the next key once its validity has begun,
    /// else the current key while it is valid; null when neither is valid or this node cannot sign
    /// with it. The next key's start is the rotation's moment, and the current key's remaining
    /// validity is the overlap in which frames already on their way are still taken.
    /// </summary>
    public SecurityKey? ForSending(DateTimeOffset now)
    {
        if (Next is not null && Next.IsValidAt(now) && Next.CanSign)
        {
            return Next;
        }

        return Current.IsValidAt(now) && Current.CanSign ? Current : null;
    }

    /// <summary>Both keys, current first.</summary>
    public IEnumerable<SecurityKey> Keys => Next is null ? [Current] : [Current, Next];
}
